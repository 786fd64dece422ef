"""Heart Rate Measurement 0x2A37 and Body Sensor Location 0x2A38."""

from __future__ import annotations

import pytest

from gateway.codecs.heart_rate import (
    BodySensorLocation,
    HeartRateMeasurement,
    SensorContact,
    decode_body_sensor_location,
    decode_heart_rate_measurement,
)
from gateway.errors import CodecError


def test_decode_spec_vector_with_energy_and_two_rr_intervals() -> None:
    # docs/ble.md: 72 bpm, contact detected, 500 kJ, RR 819/1024 s and 870/1024 s
    decoded = decode_heart_rate_measurement(bytes.fromhex("1e48f40133036603"))
    assert decoded == HeartRateMeasurement(
        heart_rate_bpm=72,
        sensor_contact=SensorContact.DETECTED,
        energy_expended_kj=500,
        rr_intervals_1024=(819, 870),
        rr_intervals_ms=(819 * 1000 / 1024, 870 * 1000 / 1024),
    )


def test_decode_spec_vector_uint16_heart_rate() -> None:
    # docs/ble.md: "01 2c01 = 300 bpm as uint16" (plausibility is the API's job)
    decoded = decode_heart_rate_measurement(bytes.fromhex("012c01"))
    assert decoded == HeartRateMeasurement(300, SensorContact.UNSUPPORTED)


def test_rr_intervals_convert_to_milliseconds() -> None:
    decoded = decode_heart_rate_measurement(bytes.fromhex("103c0004"))
    assert decoded.rr_intervals_ms == (1000.0,)  # 1024/1024 s


@pytest.mark.parametrize(
    ("flags", "contact"),
    [
        (0x00, SensorContact.UNSUPPORTED),
        (0x02, SensorContact.UNSUPPORTED),
        (0x04, SensorContact.NOT_DETECTED),
        (0x06, SensorContact.DETECTED),
    ],
)
def test_sensor_contact_bits(flags: int, contact: SensorContact) -> None:
    assert decode_heart_rate_measurement(bytes([flags, 60])).sensor_contact is contact


def test_rr_flag_with_no_rr_bytes_gives_empty_tuple() -> None:
    assert decode_heart_rate_measurement(bytes([0x10, 60])).rr_intervals_1024 == ()


def test_half_rr_interval_is_rejected_with_explanation() -> None:
    with pytest.raises(CodecError, match="RR intervals present but 1 trailing byte"):
        decode_heart_rate_measurement(bytes.fromhex("103c000401"))


def test_trailing_bytes_without_rr_flag_are_rejected() -> None:
    with pytest.raises(CodecError, match="2 trailing byte"):
        decode_heart_rate_measurement(bytes.fromhex("003c0004"))


def test_empty_value_is_rejected() -> None:
    with pytest.raises(CodecError, match="flags at offset 0, found 0"):
        decode_heart_rate_measurement(b"")


def test_uint16_flag_with_one_heart_rate_byte_is_rejected() -> None:
    with pytest.raises(CodecError, match=r"heart rate \(uint16\)"):
        decode_heart_rate_measurement(bytes.fromhex("013c"))


def test_energy_flag_without_energy_bytes_is_rejected() -> None:
    with pytest.raises(CodecError, match="energy expended"):
        decode_heart_rate_measurement(bytes.fromhex("083c01"))


def test_bytearray_input_is_accepted() -> None:
    assert decode_heart_rate_measurement(bytearray(b"\x00\x3c")).heart_rate_bpm == 60


def test_body_sensor_location_decodes_wrist() -> None:
    assert decode_body_sensor_location(b"\x02") is BodySensorLocation.WRIST


@pytest.mark.parametrize(("data", "message"), [(b"\x07", "reserved value 7"), (b"", "found 0")])
def test_body_sensor_location_rejects_malformed(data: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_body_sensor_location(data)
