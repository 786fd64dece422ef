"""Peripheral-side encoders for the Continuous Glucose Monitoring Service (CGMS 1.0.1).

Pure functions: values in, ``bytes`` out, following the project sheet
``docs/ble.md``. All multi-byte fields are little-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from simulators.ble.encoding import SfloatSpecial, append_crc, crc16_mcrf4xx, encode_sfloat
from simulators.ble.errors import EncodingError

_UINT16_MAX = 0xFFFF

# --- CGM Measurement 0x2AA7 -----------------------------------------------------------------
# CGMS 1.0.1 section 3.2 flags.
CGM_FLAG_TREND = 0x01
CGM_FLAG_QUALITY = 0x02
CGM_FLAG_WARNING_OCTET = 0x20
CGM_FLAG_CAL_TEMP_OCTET = 0x40
CGM_FLAG_STATUS_OCTET = 0x80
CGM_RECORD_MIN_SIZE = 6  # size, flags, glucose SFLOAT, time offset uint16

# Sensor Status Annunciation bits as one 24-bit field (CGMS 1.0.1 3.2.1; same bit numbers
# as Nordic nRF Toolbox's CGMSensorAnnuciation): status octet bits 0-7, cal/temp 8-15,
# warning 16-23.
ANNUNCIATION_SESSION_STOPPED = 1 << 0
ANNUNCIATION_BATTERY_LOW = 1 << 1
ANNUNCIATION_SENSOR_MALFUNCTION = 1 << 3
ANNUNCIATION_GENERAL_FAULT = 1 << 5
ANNUNCIATION_TIME_SYNC_REQUIRED = 1 << 8
ANNUNCIATION_CALIBRATION_REQUIRED = 1 << 11
ANNUNCIATION_BELOW_PATIENT_LOW = 1 << 16
ANNUNCIATION_ABOVE_PATIENT_HIGH = 1 << 17
ANNUNCIATION_BELOW_HYPO = 1 << 18
ANNUNCIATION_ABOVE_HYPER = 1 << 19
ANNUNCIATION_RATE_DECREASE_EXCEEDED = 1 << 20
ANNUNCIATION_RATE_INCREASE_EXCEEDED = 1 << 21
ANNUNCIATION_BELOW_DEVICE_RANGE = 1 << 22
ANNUNCIATION_ABOVE_DEVICE_RANGE = 1 << 23

# Order of the annunciation octets on the wire when several are present. Implementations
# disagree (docs/ble.md); this simulator follows Nordic's Android BLE Common Library
# parser (warning, then cal/temp, then status), which is also ascending flag-bit order.
ANNUNCIATION_OCTET_ORDER: tuple[tuple[int, int], ...] = (
    (CGM_FLAG_WARNING_OCTET, 16),
    (CGM_FLAG_CAL_TEMP_OCTET, 8),
    (CGM_FLAG_STATUS_OCTET, 0),
)


@dataclass(frozen=True)
class CgmRecord:
    """One CGM measurement as the sensor stores it.

    ``glucose_mg_dl`` may be ``nan``/``±inf`` or an :class:`SfloatSpecial`;
    ``trend_mg_dl_min`` and ``quality_pct`` are ``None`` when absent;
    ``annunciation`` is the 24-bit Sensor Status Annunciation field.
    """

    time_offset_min: int
    glucose_mg_dl: float | SfloatSpecial
    trend_mg_dl_min: float | None = None
    quality_pct: float | None = None
    annunciation: int = 0


def encode_cgm_record(record: CgmRecord, with_crc: bool = True) -> bytes:
    """Encode one CGM Measurement record (size byte first; CRC last when ``with_crc``).

    Parameters
    ----------
    record : CgmRecord
        The measurement.
    with_crc : bool
        Append the E2E-CRC (CGM Feature bit 12 set).

    Returns
    -------
    bytes
        The record; several records may be concatenated in one notification.
    """
    if not 0 <= record.time_offset_min <= _UINT16_MAX:
        raise EncodingError(
            f"expected a time offset of 0-65535 min; found {record.time_offset_min!r}; "
            "start a new session (write Session Start Time) before the offset overflows"
        )
    flags, tail = _cgm_optional_fields(record)
    size = CGM_RECORD_MIN_SIZE + len(tail) + (2 if with_crc else 0)
    body = struct.pack(
        "<BBHH", size, flags, encode_sfloat(record.glucose_mg_dl), record.time_offset_min
    )
    body += tail
    return append_crc(body) if with_crc else body


def _cgm_optional_fields(record: CgmRecord) -> tuple[int, bytes]:
    flags = 0
    tail = b""
    for flag, shift in ANNUNCIATION_OCTET_ORDER:
        octet = (record.annunciation >> shift) & 0xFF
        if octet:
            flags |= flag
            tail += bytes([octet])
    if record.trend_mg_dl_min is not None:
        flags |= CGM_FLAG_TREND
        tail += struct.pack("<H", encode_sfloat(record.trend_mg_dl_min))
    if record.quality_pct is not None:
        flags |= CGM_FLAG_QUALITY
        tail += struct.pack("<H", encode_sfloat(record.quality_pct))
    return flags, tail


def corrupt_crc(encoded_record: bytes) -> bytes:
    """Flip every bit of the trailing CRC of an encoded record (fault injection)."""
    return encoded_record[:-2] + bytes(b ^ 0xFF for b in encoded_record[-2:])


# --- CGM Feature 0x2AA8 ---------------------------------------------------------------------
# CGMS 1.0.1 section 3.3.1 feature bits.
CGM_FEATURE_CALIBRATION = 1 << 0
CGM_FEATURE_HYPO_ALERTS = 1 << 2
CGM_FEATURE_HYPER_ALERTS = 1 << 3
CGM_FEATURE_LOW_BATTERY_DETECTION = 1 << 9
CGM_FEATURE_E2E_CRC = 1 << 12
CGM_FEATURE_TREND = 1 << 15
CGM_FEATURE_QUALITY = 1 << 16
CGM_TYPE_INTERSTITIAL_FLUID = 9  # CGMS 1.0.1 3.3.2 Type field
CGM_LOCATION_SUBCUTANEOUS = 5  # CGMS 1.0.1 3.3.2 Sample Location field
CGM_FEATURE_NO_CRC = 0xFFFF  # CGMS 1.0.1 3.3.3: CRC field is 0xFFFF if E2E-CRC unsupported


def encode_cgm_feature(
    features: int,
    sample_type: int = CGM_TYPE_INTERSTITIAL_FLUID,
    sample_location: int = CGM_LOCATION_SUBCUTANEOUS,
) -> bytes:
    """Encode the CGM Feature value: 24-bit features, type/location octet, CRC (always)."""
    body = features.to_bytes(3, "little") + bytes([(sample_location << 4) | sample_type])
    if features & CGM_FEATURE_E2E_CRC:
        return append_crc(body)
    return body + struct.pack("<H", CGM_FEATURE_NO_CRC)


# --- CGM Session Start Time 0x2AAA ----------------------------------------------------------
# CGMS 1.0.1 section 3.5: Date Time (local wall clock), Time Zone (sint8, 15-min steps,
# -128 unknown), DST Offset (uint8 code), optional E2E-CRC.
_SESSION_START_TIME = struct.Struct("<HBBBBBbB")
TIME_ZONE_UNKNOWN = -128
DST_STANDARD_TIME = 0
_DST_CODE_TO_MINUTES = {0: 0, 2: 30, 4: 60, 8: 120}  # Bluetooth DST Offset characteristic
SEOUL_TIME_ZONE_QUARTERS = 36  # Asia/Seoul is UTC+9 without DST


@dataclass(frozen=True)
class SessionStartTime:
    """Absolute session start (UTC) plus the time zone and DST code the sensor reports."""

    start_utc: datetime
    time_zone_quarters: int = SEOUL_TIME_ZONE_QUARTERS
    dst_code: int = DST_STANDARD_TIME


def encode_session_start_time(value: SessionStartTime, with_crc: bool = True) -> bytes:
    """Encode Session Start Time; date-time fields are local time = UTC + zone + DST."""
    local = value.start_utc.astimezone(UTC) + _zone_offset(value)
    body = _SESSION_START_TIME.pack(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        value.time_zone_quarters,
        value.dst_code,
    )
    return append_crc(body) if with_crc else body


def decode_session_start_time(data: bytes, crc_required: bool) -> SessionStartTime:
    """Decode a Session Start Time written by a collector.

    Raises
    ------
    EncodingError
        On a wrong length, a missing or wrong CRC (when required) or an invalid date.
    """
    size = _SESSION_START_TIME.size
    if len(data) not in (size, size + 2):
        raise EncodingError(f"expected {size} or {size + 2} bytes; found {len(data)}")
    if crc_required and len(data) != size + 2:
        raise EncodingError("expected an E2E-CRC after the session start time; found none")
    if len(data) == size + 2 and crc16_mcrf4xx(data[:size]) != struct.unpack("<H", data[size:])[0]:
        raise EncodingError("expected a valid E2E-CRC on the session start time; it did not match")
    year, month, day, hour, minute, second, zone, dst = _SESSION_START_TIME.unpack(data[:size])
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        start_utc = local - _zone_offset(SessionStartTime(local, zone, dst))
    except (ValueError, OverflowError) as exc:
        raise EncodingError(f"expected a valid date-time; found {data[:7].hex()}") from exc
    return SessionStartTime(start_utc, zone, dst)


def _zone_offset(value: SessionStartTime) -> timedelta:
    zone = 0 if value.time_zone_quarters == TIME_ZONE_UNKNOWN else value.time_zone_quarters
    dst_min = _DST_CODE_TO_MINUTES.get(value.dst_code, 0)
    return timedelta(minutes=15 * zone + dst_min)


# --- CGM Status 0x2AA9 and CGM Session Run Time 0x2AAB ------------------------------------
def encode_cgm_status(time_offset_min: int, annunciation: int, with_crc: bool = True) -> bytes:
    """CGM Status (CGMS 1.0.1 3.4): time offset of the status, the 24-bit annunciation
    field as three fixed octets (status, cal/temp, warning), optional E2E-CRC."""
    body = struct.pack("<H", time_offset_min) + (annunciation & 0xFFFFFF).to_bytes(3, "little")
    return append_crc(body) if with_crc else body


def encode_session_run_time(hours: int, with_crc: bool = True) -> bytes:
    """CGM Session Run Time (CGMS 1.0.1 3.6): expected session length in hours."""
    body = struct.pack("<H", hours)
    return append_crc(body) if with_crc else body
