"""CGM Session Start Time 0x2AAA and absolute reading times.

Layout (CGMS v1.0.1, 3.5; docs/ble.md): Date Time (7 bytes, local wall clock),
Time Zone sint8 in 15-minute steps (GSS Time Zone 0x2A0E: -48..+56, -128 unknown), DST
Offset uint8 (GSS DST Offset 0x2A0D: 0 standard, 2 +0.5 h, 4 +1 h, 8 +2 h, 255 unknown),
then a uint16 E2E-CRC when the CGM Feature announces E2E-CRC.

A reading's absolute time is session start + time offset minutes (CGMS 3.1.1.4). The
session start is local time, so UTC = local - (time zone + DST offset).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from struct import Struct

from gateway.codecs._cursor import ByteCursor, ByteData, as_bytes
from gateway.codecs.crc import append_crc, strip_crc
from gateway.codecs.date_time import DeviceDateTime, pack_date_time, read_date_time
from gateway.errors import CodecError

_WHAT = "cgm session start time"
SESSION_START_TIME_SIZE = 9  # Date Time 7 + Time Zone 1 + DST Offset 1 (CGMS 3.5)
TIME_ZONE_UNKNOWN = -128  # GSS Time Zone: -128 = "time zone offset is not known"
_TIME_ZONE_MIN, _TIME_ZONE_MAX = -48, 56  # GSS Time Zone: UTC-12:00 .. UTC+14:00
_ZONE_STEP = dt.timedelta(minutes=15)  # GSS Time Zone and DST Offset resolution
PACK_ZONE_AND_DST = Struct("<bB").pack


class DstOffset(enum.IntEnum):
    """GSS DST Offset 0x2A0D codes (value = offset in 15-minute steps; 255 unknown)."""

    STANDARD_TIME = 0
    HALF_AN_HOUR = 2
    ONE_HOUR = 4
    TWO_HOURS = 8
    UNKNOWN = 255


@dataclass(frozen=True, slots=True)
class CgmSessionStartTime:
    """Session start as the sensor holds it: local wall clock plus zone and DST codes."""

    local_time: DeviceDateTime
    time_zone_15min: int
    dst_offset: DstOffset

    @property
    def zone_known(self) -> bool:
        """False when either the time zone or the DST offset is "unknown"."""
        return self.time_zone_15min != TIME_ZONE_UNKNOWN and self.dst_offset != DstOffset.UNKNOWN


@dataclass(frozen=True, slots=True)
class SessionStartUtc:
    """Session start resolved to UTC; `zone_assumed` when the zone was unknown."""

    start_utc: dt.datetime
    zone_assumed: bool


def decode_cgm_session_start_time(data: ByteData, *, e2e_crc: bool) -> CgmSessionStartTime:
    """Decode CGM Session Start Time (0x2AAA).

    Parameters
    ----------
    data : bytes
        9 bytes, or 11 with the E2E-CRC.
    e2e_crc : bool
        Whether the CGM Feature announces E2E-CRC.

    Raises
    ------
    CodecError
        Wrong length, a field out of its GSS range.
    CrcError
        The E2E-CRC does not match.
    """
    value = as_bytes(data, _WHAT)
    expected = SESSION_START_TIME_SIZE + 2 * e2e_crc
    if len(value) != expected:
        crc = "with" if e2e_crc else "without"
        raise CodecError(f"{_WHAT}: expected {expected} bytes ({crc} E2E-CRC), found {len(value)}")
    if e2e_crc:
        value = strip_crc(value, _WHAT)
    cursor = ByteCursor(value, _WHAT)
    local_time = read_date_time(cursor)
    time_zone = _check_time_zone(cursor.sint8("time zone"))
    dst = _dst_offset(cursor.uint8("dst offset"))
    return CgmSessionStartTime(local_time, time_zone, dst)


def _check_time_zone(time_zone_15min: int) -> int:
    if time_zone_15min != TIME_ZONE_UNKNOWN and not (
        _TIME_ZONE_MIN <= time_zone_15min <= _TIME_ZONE_MAX
    ):
        raise CodecError(
            f"{_WHAT}: expected time zone -48..56 (15-min steps) or -128, found {time_zone_15min}"
        )
    return time_zone_15min


def _dst_offset(code: int) -> DstOffset:
    try:
        return DstOffset(code)
    except ValueError:
        raise CodecError(f"{_WHAT}: expected DST offset 0, 2, 4, 8 or 255, found {code}") from None


def encode_cgm_session_start_time(start: CgmSessionStartTime, *, e2e_crc: bool) -> bytes:
    """Encode CGM Session Start Time for writing (appending the CRC when `e2e_crc`)."""
    _check_time_zone(start.time_zone_15min)
    payload = pack_date_time(start.local_time, _WHAT) + PACK_ZONE_AND_DST(
        start.time_zone_15min, _dst_offset(int(start.dst_offset))
    )
    return append_crc(payload) if e2e_crc else payload


def session_start_time_from_datetime(when: dt.datetime) -> CgmSessionStartTime:
    """The Session Start Time a collector writes for the aware local time `when`.

    The zone's standard offset becomes the time zone field and its DST amount the DST
    field (``Asia/Seoul`` -> time zone 36, standard time). Seconds are truncated.

    Raises
    ------
    CodecError
        When `when` is naive or its offsets are not whole 15-minute steps in range.
    """
    utc_offset, dst = when.utcoffset(), when.dst() or dt.timedelta(0)
    if utc_offset is None:
        raise CodecError(f"{_WHAT}: expected a timezone-aware datetime, found naive {when}")
    zone_steps, zone_rest = divmod(utc_offset - dst, _ZONE_STEP)
    dst_steps, dst_rest = divmod(dst, _ZONE_STEP)
    if zone_rest or dst_rest:
        raise CodecError(f"{_WHAT}: expected 15-minute offsets, found {utc_offset} (DST {dst})")
    local = DeviceDateTime(when.year, when.month, when.day, when.hour, when.minute, when.second)
    return CgmSessionStartTime(local, _check_time_zone(zone_steps), _dst_offset(dst_steps))


def resolve_session_start(start: CgmSessionStartTime) -> SessionStartUtc:
    """Session start in UTC; an unknown zone or DST is taken as zero and flagged.

    Raises
    ------
    CodecError
        When the device's date is unknown (zeros) or impossible (e.g. 31 February).
    """
    local = start.local_time.to_naive(_WHAT)
    zone_steps = 0 if start.time_zone_15min == TIME_ZONE_UNKNOWN else start.time_zone_15min
    dst_steps = 0 if start.dst_offset == DstOffset.UNKNOWN else int(start.dst_offset)
    offset = dt.timezone((zone_steps + dst_steps) * _ZONE_STEP)
    try:
        start_utc = local.replace(tzinfo=offset).astimezone(dt.UTC)
    except OverflowError:
        raise CodecError(f"{_WHAT}: {start} falls outside the representable years") from None
    return SessionStartUtc(start_utc=start_utc, zone_assumed=not start.zone_known)


def reading_time_utc(start_utc: dt.datetime, time_offset_min: int) -> dt.datetime:
    """Absolute UTC time of a CGM record: session start + time offset minutes.

    Parameters
    ----------
    start_utc : datetime
        Timezone-aware session start (from `resolve_session_start`).
    time_offset_min : int
        The record's time offset, minutes since session start.
    """
    if start_utc.utcoffset() is None:
        raise CodecError(f"{_WHAT}: expected a timezone-aware session start, found {start_utc}")
    try:
        return (start_utc + dt.timedelta(minutes=time_offset_min)).astimezone(dt.UTC)
    except OverflowError:
        raise CodecError(
            f"{_WHAT}: {start_utc} + {time_offset_min} min is outside the representable years"
        ) from None
