"""Battery Service 0x180F: Battery Level 0x2A19."""

from __future__ import annotations

from gateway.codecs._cursor import ByteData, as_bytes
from gateway.errors import CodecError

_WHAT = "battery level"
BATTERY_LEVEL_MAX_PCT = 100  # BAS v1.1, 3.1: uint8 percent, 0-100 (101-255 prohibited)


def decode_battery_level(data: ByteData) -> int:
    """Decode Battery Level (0x2A19).

    Parameters
    ----------
    data : bytes
        Exactly one byte.

    Returns
    -------
    int
        Battery charge, percent, 0-100.

    Raises
    ------
    CodecError
        When the value is not one byte or exceeds 100.
    """
    value = as_bytes(data, _WHAT)
    if len(value) != 1:
        raise CodecError(f"{_WHAT}: expected 1 byte, found {len(value)}")
    if value[0] > BATTERY_LEVEL_MAX_PCT:
        raise CodecError(f"{_WHAT}: expected a percentage 0-100, found {value[0]}")
    return value[0]


def encode_battery_level(level_pct: int) -> bytes:
    """Encode a 0-100 percentage as Battery Level (for tests and fakes)."""
    if not 0 <= level_pct <= BATTERY_LEVEL_MAX_PCT:
        raise CodecError(f"{_WHAT}: expected a percentage 0-100, found {level_pct}")
    return bytes([level_pct])
