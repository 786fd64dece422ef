"""IEEE-11073 16-bit SFLOAT (medfloat16), with its special values kept explicit.

Layout (IEEE 11073-20601, section F.8 "SFLOAT-Type"; restated in docs/ble.md):
bits 15..12 exponent, 4-bit two's complement (-8..7); bits 11..0 mantissa, 12-bit two's
complement; value = mantissa * 10**exponent. Special values are whole 16-bit patterns with
exponent 0 (0x07FF NaN, 0x0800 NRes, 0x07FE +INF, 0x0802 -INF, 0x0801 reserved); normal
mantissas stay within +-2045.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from gateway.errors import CodecError

_MANTISSA_BITS = 12  # IEEE 11073-20601 F.8: 12-bit mantissa, 4-bit exponent
_MANTISSA_MASK = 0x0FFF
_EXPONENT_MIN, _EXPONENT_MAX = -8, 7  # 4-bit two's complement
_MANTISSA_MIN, _MANTISSA_MAX = -2048, 2047  # 12-bit two's complement
MANTISSA_NORMAL_MAX = 2045  # docs/ble.md: "Largest normal mantissa +-2045"


class SfloatSpecial(enum.Enum):
    """The non-numeric SFLOAT patterns (IEEE 11073-20601 Table F.2)."""

    NAN = "nan"  # 0x07FF, "not a number": the sensor has no valid reading
    NRES = "nres"  # 0x0800, "not at this resolution": not representable
    POSITIVE_INFINITY = "+inf"  # 0x07FE
    NEGATIVE_INFINITY = "-inf"  # 0x0802
    RESERVED = "reserved"  # 0x0801, or a reserved mantissa with a non-zero exponent


# Mantissa (as a signed 12-bit value) of each special pattern; exponent is 0 for all five.
# Verified against the raw words in docs/ble.md: 0x07FF -> +2047, 0x0800 -> -2048,
# 0x07FE -> +2046, 0x0802 -> -2046, 0x0801 -> -2047.
_SPECIAL_BY_MANTISSA = {
    2047: SfloatSpecial.NAN,
    -2048: SfloatSpecial.NRES,
    2046: SfloatSpecial.POSITIVE_INFINITY,
    -2046: SfloatSpecial.NEGATIVE_INFINITY,
    -2047: SfloatSpecial.RESERVED,
}
_MANTISSA_BY_SPECIAL = {special: m for m, special in _SPECIAL_BY_MANTISSA.items()}


@dataclass(frozen=True, slots=True)
class Sfloat:
    """One SFLOAT as sent: mantissa, exponent and, for non-numbers, which special it is.

    Comparing `Sfloat` objects compares the wire fields, so two NaN readings are equal
    (unlike ``float('nan')``); use `value` for arithmetic.
    """

    mantissa: int
    exponent: int
    special: SfloatSpecial | None = None

    def __post_init__(self) -> None:
        if not _MANTISSA_MIN <= self.mantissa <= _MANTISSA_MAX:
            raise CodecError(
                f"sfloat: expected a 12-bit mantissa in [-2048, 2047], found {self.mantissa}"
            )
        if not _EXPONENT_MIN <= self.exponent <= _EXPONENT_MAX:
            raise CodecError(f"sfloat: expected a 4-bit exponent in [-8, 7], found {self.exponent}")
        if self.special != _classify(self.mantissa, self.exponent):
            raise CodecError(
                f"sfloat: mantissa {self.mantissa} exponent {self.exponent} is "
                f"{_classify(self.mantissa, self.exponent)}, not {self.special}; "
                "build special values with sfloat_special()"
            )

    @property
    def is_finite(self) -> bool:
        """True for an ordinary number."""
        return self.special is None

    @property
    def value(self) -> float:
        """The number as a float: nan for NaN/NRes/reserved, +-inf for the infinities."""
        if self.special is None:
            if self.exponent >= 0:
                return float(self.mantissa * 10**self.exponent)
            # Dividing two exact integers rounds once; 10.0**-1 would not be exact.
            divisor: int = 10**-self.exponent
            return self.mantissa / divisor
        if self.special is SfloatSpecial.POSITIVE_INFINITY:
            return math.inf
        if self.special is SfloatSpecial.NEGATIVE_INFINITY:
            return -math.inf
        return math.nan


def _classify(mantissa: int, exponent: int) -> SfloatSpecial | None:
    special = _SPECIAL_BY_MANTISSA.get(mantissa)
    if special is None:
        return None
    # A reserved mantissa with a non-zero exponent is no normal number either
    # (normal mantissas are within +-2045): keep it as RESERVED rather than guess.
    return special if exponent == 0 else SfloatSpecial.RESERVED


def _signed(raw: int, bits: int) -> int:
    return raw - (1 << bits) if raw & (1 << (bits - 1)) else raw


def decode_sfloat(raw: int) -> Sfloat:
    """Decode a 16-bit SFLOAT word (already assembled little-endian).

    Parameters
    ----------
    raw : int
        The 16-bit word, 0..0xFFFF.

    Returns
    -------
    Sfloat

    Examples
    --------
    >>> decode_sfloat(0xF4B0).value
    120.0
    >>> decode_sfloat(0x07FF).special
    <SfloatSpecial.NAN: 'nan'>
    """
    if not 0 <= raw <= 0xFFFF:
        raise CodecError(f"sfloat: expected a 16-bit word, found {raw}")
    mantissa = _signed(raw & _MANTISSA_MASK, _MANTISSA_BITS)
    exponent = _signed(raw >> _MANTISSA_BITS, 4)
    return Sfloat(mantissa, exponent, _classify(mantissa, exponent))


def encode_sfloat(value: Sfloat) -> int:
    """Pack an `Sfloat` back into its 16-bit word (exact inverse of `decode_sfloat`)."""
    return ((value.exponent & 0xF) << _MANTISSA_BITS) | (value.mantissa & _MANTISSA_MASK)


def sfloat_special(special: SfloatSpecial) -> Sfloat:
    """The canonical exponent-0 SFLOAT for a special value."""
    return Sfloat(_MANTISSA_BY_SPECIAL[special], 0, special)


def sfloat_from_float(number: float) -> Sfloat:
    """The finest SFLOAT (smallest exponent) whose rounded mantissa fits +-2045.

    NaN maps to NaN and +-inf to the infinities. Raises `CodecError` when the magnitude
    exceeds 2045e7 (the largest normal SFLOAT).
    """
    if math.isnan(number):
        return sfloat_special(SfloatSpecial.NAN)
    if math.isinf(number):
        inf = SfloatSpecial.POSITIVE_INFINITY if number > 0 else SfloatSpecial.NEGATIVE_INFINITY
        return sfloat_special(inf)
    if abs(number) >= (MANTISSA_NORMAL_MAX + 0.5) * 10**_EXPONENT_MAX:
        raise CodecError(f"sfloat: expected |value| <= 2045e7, found {number!r}")
    for exponent in range(_EXPONENT_MIN, _EXPONENT_MAX + 1):
        mantissa = round(number * 10**-exponent) if exponent < 0 else round(number / 10**exponent)
        if abs(mantissa) <= MANTISSA_NORMAL_MAX:
            return Sfloat(mantissa, exponent)
    raise AssertionError("unreachable: exponent 7 fits every value below the bound")
