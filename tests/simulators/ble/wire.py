"""Small independent decoders used only to check what the simulators put on the wire.

Written from docs/ble.md, not from simulators.ble.encoding, so a shared mistake
in layout would show as a mismatch with the spec vectors asserted in test_encoding.py.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

SFLOAT_SPECIALS = {
    0x07FF: math.nan,
    0x0800: math.nan,  # NRes
    0x07FE: math.inf,
    0x0802: -math.inf,
}


def decode_sfloat(raw: int) -> float:
    if raw in SFLOAT_SPECIALS:
        return SFLOAT_SPECIALS[raw]
    exponent = raw >> 12
    mantissa = raw & 0x0FFF
    if exponent >= 8:
        exponent -= 16
    if mantissa >= 0x800:
        mantissa -= 0x1000
    return mantissa * 10.0**exponent


def crc16_mcrf4xx(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True)
class Hrm:
    hr_bpm: int
    contact: bool | None
    rr_1024: tuple[int, ...]


def decode_hrm(data: bytes) -> Hrm:
    flags = data[0]
    if flags & 0x01:
        hr = struct.unpack_from("<H", data, 1)[0]
        offset = 3
    else:
        hr = data[1]
        offset = 2
    contact = bool(flags & 0x02) if flags & 0x04 else None
    if flags & 0x08:
        offset += 2
    rr = struct.unpack_from(f"<{(len(data) - offset) // 2}H", data, offset) if flags & 0x10 else ()
    return Hrm(hr, contact, tuple(rr))


@dataclass(frozen=True)
class CgmRecordOnWire:
    offset_min: int
    glucose_mg_dl: float
    crc_ok: bool
    size: int


def split_cgm_records(payload: bytes) -> list[CgmRecordOnWire]:
    """Split a CGM Measurement notification (records back to back, CRC present)."""
    records = []
    offset = 0
    while offset < len(payload):
        size = payload[offset]
        record = payload[offset : offset + size]
        glucose_raw, time_offset = struct.unpack_from("<HH", record, 2)
        crc_ok = crc16_mcrf4xx(record[:-2]) == struct.unpack("<H", record[-2:])[0]
        records.append(CgmRecordOnWire(time_offset, decode_sfloat(glucose_raw), crc_ok, size))
        offset += size
    return records
