"""IEEE-11073 SFLOAT: spec vectors, special values, round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.sfloat import (
    Sfloat,
    SfloatSpecial,
    decode_sfloat,
    encode_sfloat,
    sfloat_from_float,
    sfloat_special,
)
from gateway.errors import CodecError


@pytest.mark.parametrize(
    ("raw", "expected", "value"),
    [
        (0xF4B0, Sfloat(1200, -1), 120.0),  # docs/ble.md
        (0xF05A, Sfloat(90, -1), 9.0),  # docs/ble.md
        (0x1032, Sfloat(50, 1), 500.0),  # docs/ble.md
        (0x0000, Sfloat(0, 0), 0.0),
        (0x0FFF, Sfloat(-1, 0), -1.0),
        (0x87FD, Sfloat(2045, -8), 2045e-8),
        (0x77FD, Sfloat(2045, 7), 2045e7),
        (0xF803, Sfloat(-2045, -1), -204.5),
    ],
)
def test_decode_sfloat_matches_vector(raw: int, expected: Sfloat, value: float) -> None:
    decoded = decode_sfloat(raw)
    assert decoded == expected
    assert decoded.value == value


@pytest.mark.parametrize(
    ("raw", "special"),
    [
        (0x07FF, SfloatSpecial.NAN),
        (0x0800, SfloatSpecial.NRES),
        (0x07FE, SfloatSpecial.POSITIVE_INFINITY),
        (0x0802, SfloatSpecial.NEGATIVE_INFINITY),
        (0x0801, SfloatSpecial.RESERVED),
    ],
)
def test_decode_sfloat_recognises_special_value(raw: int, special: SfloatSpecial) -> None:
    decoded = decode_sfloat(raw)
    assert decoded.special is special
    assert decoded == sfloat_special(special)
    assert not decoded.is_finite


def test_special_values_map_to_float_nan_and_inf() -> None:
    assert math.isnan(sfloat_special(SfloatSpecial.NAN).value)
    assert math.isnan(sfloat_special(SfloatSpecial.NRES).value)
    assert math.isnan(sfloat_special(SfloatSpecial.RESERVED).value)
    assert sfloat_special(SfloatSpecial.POSITIVE_INFINITY).value == math.inf
    assert sfloat_special(SfloatSpecial.NEGATIVE_INFINITY).value == -math.inf


def test_reserved_mantissa_with_nonzero_exponent_is_reserved_not_a_number() -> None:
    assert decode_sfloat(0x17FF) == Sfloat(2047, 1, SfloatSpecial.RESERVED)


def test_two_nan_readings_compare_equal() -> None:
    assert decode_sfloat(0x07FF) == decode_sfloat(0x07FF)


@pytest.mark.parametrize("raw", [-1, 0x10000])
def test_decode_sfloat_rejects_word_outside_16_bits(raw: int) -> None:
    with pytest.raises(CodecError, match="16-bit"):
        decode_sfloat(raw)


def test_sfloat_rejects_special_flag_that_does_not_match_bits() -> None:
    with pytest.raises(CodecError, match="special"):
        Sfloat(5, 0, SfloatSpecial.NAN)


def test_sfloat_rejects_exponent_outside_4_bits() -> None:
    with pytest.raises(CodecError, match="exponent"):
        Sfloat(1, 8)


@settings(derandomize=True, max_examples=500, print_blob=True)
@given(st.integers(0, 0xFFFF))
def test_encode_inverts_decode_for_every_word(raw: int) -> None:
    assert encode_sfloat(decode_sfloat(raw)) == raw


@settings(derandomize=True, max_examples=300, print_blob=True)
@given(st.floats(min_value=-2.045e10, max_value=2.045e10, allow_nan=False))
def test_sfloat_from_float_is_within_half_a_step(number: float) -> None:
    encoded = sfloat_from_float(number)
    assert abs(encoded.value - number) <= 0.5 * 10**encoded.exponent * (1 + 1e-9)


@pytest.mark.parametrize(
    ("number", "expected"), [(120.0, Sfloat(1200, -1)), (-3.5, Sfloat(-350, -2))]
)
def test_sfloat_from_float_picks_finest_exponent(number: float, expected: Sfloat) -> None:
    assert sfloat_from_float(number) == expected


def test_sfloat_from_float_maps_nan_and_infinities_to_specials() -> None:
    assert sfloat_from_float(math.nan) == sfloat_special(SfloatSpecial.NAN)
    assert sfloat_from_float(-math.inf) == sfloat_special(SfloatSpecial.NEGATIVE_INFINITY)


def test_sfloat_from_float_rejects_value_beyond_largest_normal() -> None:
    with pytest.raises(CodecError, match="2045e7"):
        sfloat_from_float(1e300)
