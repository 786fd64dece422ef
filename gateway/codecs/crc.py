"""E2E-CRC of the Continuous Glucose Monitoring Service: CRC-16/MCRF4XX.

CGMS v1.0.1 section 2.6 ("E2E-CRC") and docs/ble.md: polynomial 0x1021, initial
value 0xFFFF, input and output reflected, no final XOR, sent little-endian after the bytes
it covers. Reflected, the polynomial 0x1021 is 0x8408 (bit-reversed 16-bit word).
Vectors (docs/ble.md, tested): ``3E 01 02 03 04 05 06 07 08 09`` -> 0x2F01 and
ASCII "123456789" -> 0x6F91 (the catalogue check value of CRC-16/MCRF4XX).
"""

from __future__ import annotations

from struct import Struct

from gateway.errors import CodecError, CrcError

_POLY_REFLECTED = 0x8408  # bit-reversal of 0x1021 (CRC-16/MCRF4XX, reflected in/out)
_INIT = 0xFFFF  # CRC-16/MCRF4XX initial value; no final XOR
CRC_SIZE = 2  # the E2E-CRC field is a uint16 (CGMS v1.0.1, 2.6)

PACK_CRC = Struct("<H").pack
UNPACK_CRC = Struct("<H").unpack_from


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _make_table()


def crc16_mcrf4xx(data: bytes) -> int:
    """CRC-16/MCRF4XX of `data`.

    Parameters
    ----------
    data : bytes
        The covered bytes (every preceding byte of a record or characteristic value).

    Returns
    -------
    int
        The 16-bit CRC.

    Examples
    --------
    >>> hex(crc16_mcrf4xx(b"123456789"))
    '0x6f91'
    """
    crc = _INIT
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def append_crc(payload: bytes) -> bytes:
    """`payload` followed by its little-endian E2E-CRC."""
    return payload + PACK_CRC(crc16_mcrf4xx(payload))


def strip_crc(data: bytes, what: str) -> bytes:
    """Check the trailing E2E-CRC of `data` and return the bytes it covers.

    Raises
    ------
    CrcError
        When the received CRC differs from the one computed over the preceding bytes.
    CodecError
        When `data` is too short to hold a CRC.
    """
    if len(data) < CRC_SIZE:
        raise CodecError(f"{what}: expected at least a 2-byte E2E-CRC, found {len(data)} byte(s)")
    payload = data[:-CRC_SIZE]
    received: int = UNPACK_CRC(data, len(payload))[0]
    computed = crc16_mcrf4xx(payload)
    if received != computed:
        raise CrcError(
            f"{what}: E2E-CRC mismatch, received 0x{received:04X} but the bytes give "
            f"0x{computed:04X}; the value was corrupted in transit, drop it",
            received=received,
            computed=computed,
        )
    return payload
