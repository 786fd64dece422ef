"""Reading flags: the names the API speaks and the bits the ``readings.flags`` column stores."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

# One bit each; the order is part of the stored format, append only.
FLAG_BITS: Final[dict[str, int]] = {
    "backfilled": 1 << 0,  # recovered from the sensor's store (RACP), not live
    "censored_low": 1 << 1,  # sensor reported LOW (below its range); value is NULL
    "censored_high": 1 << 2,  # sensor reported HIGH (above its range); value is NULL
    "no_contact": 1 << 3,  # heart-rate sensor reported no skin contact
}
CENSORED: Final = FLAG_BITS["censored_low"] | FLAG_BITS["censored_high"]


def encode_flags(names: Iterable[str]) -> int:
    """Bit set for flag names; raises KeyError naming an unknown flag."""
    bits = 0
    for name in names:
        bits |= FLAG_BITS[name]
    return bits


def decode_flags(bits: int) -> list[str]:
    """Flag names of a bit set, in definition order (research exports spell them out)."""
    return [name for name, bit in FLAG_BITS.items() if bits & bit]
