"""Every decoder, fed arbitrary or mutated bytes, returns a value or raises CodecError.

Anything else (IndexError, struct.error, ValueError, UnicodeDecodeError, ...) fails the
test. Runs are derandomized (same examples every run, so CI is stable) and print the
reproduction blob on failure (``print_blob=True``); replay with ``@reproduce_failure``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.battery import decode_battery_level
from gateway.codecs.cgm_control import decode_socp_response
from gateway.codecs.cgm_feature import decode_cgm_feature
from gateway.codecs.cgm_measurement import CgmMeasurementBatch, decode_cgm_measurements
from gateway.codecs.cgm_session import decode_cgm_session_start_time, resolve_session_start
from gateway.codecs.cgm_status import decode_cgm_session_run_time, decode_cgm_status
from gateway.codecs.device_info import decode_utf8_string
from gateway.codecs.glucose import decode_glucose_measurement
from gateway.codecs.heart_rate import decode_body_sensor_location, decode_heart_rate_measurement
from gateway.codecs.racp import decode_racp_request, decode_racp_response
from gateway.errors import CodecError


def _session_start_to_utc(data: bytes) -> object:
    return resolve_session_start(decode_cgm_session_start_time(data, e2e_crc=False))


DECODERS: dict[str, Callable[[bytes], object]] = {
    "heart_rate_measurement": decode_heart_rate_measurement,
    "body_sensor_location": decode_body_sensor_location,
    "battery_level": decode_battery_level,
    "utf8_string": decode_utf8_string,
    "cgm_feature": decode_cgm_feature,
    "cgm_measurements_crc": lambda d: decode_cgm_measurements(d, e2e_crc=True),
    "cgm_measurements_plain": lambda d: decode_cgm_measurements(d, e2e_crc=False),
    "cgm_session_start_time_crc": lambda d: decode_cgm_session_start_time(d, e2e_crc=True),
    "cgm_session_start_to_utc": _session_start_to_utc,
    "cgm_status": lambda d: decode_cgm_status(d, e2e_crc=False),
    "cgm_session_run_time": lambda d: decode_cgm_session_run_time(d, e2e_crc=True),
    "socp_response": lambda d: decode_socp_response(d, e2e_crc=False),
    "glucose_measurement": decode_glucose_measurement,
    "racp_response": decode_racp_response,
    "racp_request": decode_racp_request,
}

# Valid values to mutate: random bytes alone rarely get past the first length check.
SEEDS: dict[str, bytes] = {
    "heart_rate_measurement": bytes.fromhex("1e48f40133036603"),
    "cgm_measurements_plain": bytes.fromhex("0de3b0f40a000401025af064000600b0f40500"),
    "cgm_session_start_to_utc": bytes.fromhex("ea070b160f1e002400"),
    "glucose_measurement": bytes.fromhex("0b0100ea070b16080000fbff0cc0110100"),
    "racp_response": bytes.fromhex("06000101"),
}


def _check(name: str, data: bytes) -> None:
    with contextlib.suppress(CodecError):
        DECODERS[name](data)


@pytest.mark.parametrize("name", sorted(DECODERS))
@settings(derandomize=True, max_examples=300, print_blob=True)
@given(data=st.binary(max_size=40))
def test_arbitrary_bytes_give_value_or_codec_error(name: str, data: bytes) -> None:
    _check(name, data)


@st.composite
def _mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "append", "set"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[position:]
        elif kind == "append":
            data += draw(st.binary(min_size=1, max_size=4))
        elif data:
            data[position] = draw(st.integers(0, 255))
    return bytes(data)


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(derandomize=True, max_examples=300, print_blob=True)
@given(data=st.data())
def test_mutated_valid_values_give_value_or_codec_error(name: str, data: st.DataObject) -> None:
    _check(name, data.draw(_mutations(SEEDS[name])))


@settings(derandomize=True, max_examples=300, print_blob=True)
@given(st.binary(min_size=1, max_size=60), st.booleans())
def test_nonempty_cgm_notification_never_raises_and_reports_something(
    data: bytes, e2e_crc: bool
) -> None:
    batch = decode_cgm_measurements(data, e2e_crc=e2e_crc)
    assert isinstance(batch, CgmMeasurementBatch)
    assert sum(len(d.data) for d in batch.dropped) <= len(data)
    assert len(batch.records) + batch.dropped_count >= 1
