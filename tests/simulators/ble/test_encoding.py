"""Encoders against the vectors of docs/ble.md and an independent decoder."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.ble.encoding import (
    RacpResponseCode,
    SfloatSpecial,
    crc16_mcrf4xx,
    encode_battery_level,
    encode_heart_rate_measurement,
    encode_racp_number_response,
    encode_racp_response,
    encode_sfloat,
    hrm_max_rr_count,
    rr_ms_to_1024,
)
from simulators.ble.errors import EncodingError

from .wire import decode_sfloat


def test_sfloat_encodes_120_as_spec_vector() -> None:
    assert encode_sfloat(120.0) == 0xF4B0


def test_sfloat_with_fixed_exponent_encodes_9_as_spec_vector() -> None:
    assert encode_sfloat(9.0, exponent=-1) == 0xF05A


def test_sfloat_500_decodes_back_to_500() -> None:
    assert decode_sfloat(encode_sfloat(500)) == 500


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (math.nan, 0x07FF),
        (math.inf, 0x07FE),
        (-math.inf, 0x0802),
        (SfloatSpecial.NRES, 0x0800),
    ],
)
def test_sfloat_special_values_use_reserved_codes(value: float, code: int) -> None:
    assert encode_sfloat(value) == code


def test_sfloat_rejects_values_beyond_the_largest_exponent() -> None:
    with pytest.raises(EncodingError, match="SFLOAT"):
        encode_sfloat(2046e7)


@given(st.integers(min_value=-2045, max_value=2045), st.integers(min_value=-3, max_value=3))
def test_sfloat_round_trips_through_an_independent_decoder(mantissa: int, exponent: int) -> None:
    value = mantissa * 10.0**exponent
    assert decode_sfloat(encode_sfloat(value)) == pytest.approx(value, rel=1e-9, abs=1e-9)


def test_crc_of_ascii_check_string_is_6f91() -> None:
    assert crc16_mcrf4xx(b"123456789") == 0x6F91


def test_crc_of_spec_vector_is_2f01() -> None:
    assert crc16_mcrf4xx(bytes.fromhex("3E010203040506070809")) == 0x2F01


def test_hrm_matches_spec_vector_with_energy_and_two_rr() -> None:
    encoded = encode_heart_rate_measurement(72, contact=True, rr_1024=[819, 870], energy_kj=500)
    assert encoded == bytes.fromhex("1e48f40133036603")


def test_hrm_above_255_bpm_uses_uint16() -> None:
    assert encode_heart_rate_measurement(300) == bytes.fromhex("012c01")


def test_hrm_contact_not_detected_sets_supported_bit_only() -> None:
    assert encode_heart_rate_measurement(60, contact=False)[0] == 0x04


def test_rr_ms_converts_to_1024ths_of_a_second() -> None:
    assert rr_ms_to_1024(1000.0) == 1024


def test_hrm_max_rr_count_at_default_mtu_is_nine() -> None:
    assert hrm_max_rr_count(23, 72) == 9


def test_racp_success_response_bytes() -> None:
    assert encode_racp_response(1, RacpResponseCode.SUCCESS) == bytes.fromhex("06000101")


def test_racp_number_response_bytes() -> None:
    assert encode_racp_number_response(4032) == bytes.fromhex("0500c00f")


def test_battery_level_rejects_more_than_100_percent() -> None:
    with pytest.raises(EncodingError, match="battery"):
        encode_battery_level(101)
