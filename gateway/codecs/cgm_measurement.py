"""CGM Measurement 0x2AA7: one or more records per notification, each with its own size.

Record layout (CGMS v1.0.1, 3.1; docs/ble.md table): size uint8 (counts itself and
the CRC, minimum 6), flags, glucose SFLOAT mg/dL, time offset uint16 minutes, 0-3
annunciation octets, trend SFLOAT mg/dL/min, quality SFLOAT %, E2E-CRC uint16 when the
CGM Feature announces E2E-CRC.

A bad record does not spoil its neighbours: a CRC failure or a size that disagrees with
the flags drops that record only (its size byte still says where the next one starts);
a size byte that cannot be trusted for framing (below 6 or past the end) drops the rest
of the notification. Dropped records are returned, with the reason, next to the good ones
so the gateway can drop-and-count.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from gateway.codecs._cursor import ByteCursor, ByteData, as_bytes
from gateway.codecs.cgm_annunciation import (
    ANNUNCIATION_FLAG,
    ANNUNCIATION_OCTET_ORDER,
    CgmSensorStatus,
    sensor_status_from_octets,
)
from gateway.codecs.crc import CRC_SIZE, append_crc, strip_crc
from gateway.codecs.sfloat import Sfloat, encode_sfloat
from gateway.errors import CodecError, CrcError

log = logging.getLogger(__name__)

_WHAT = "cgm measurement"
RECORD_MIN_SIZE = 6  # size + flags + glucose + time offset (CGMS 3.1.1, specs: "minimum 6")
RECORD_MAX_SIZE = 0xFF  # the size field is a uint8
_FLAG_TREND = 0x01  # flags bit0: CGM Trend Information present
_FLAG_QUALITY = 0x02  # flags bit1: CGM Quality present
_SFLOAT_SIZE = 2


class CgmDropReason(enum.Enum):
    """Why a record of a CGM Measurement notification was dropped."""

    CRC_MISMATCH = "crc_mismatch"  # E2E-CRC did not match: corrupted record
    SIZE_MISMATCH = "size_mismatch"  # size byte disagrees with flags (+CRC); record skipped
    FRAMING = "framing"  # size byte < 6 or past the end: the rest cannot be framed


@dataclass(frozen=True, slots=True)
class CgmMeasurement:
    """One CGM Measurement record.

    Attributes
    ----------
    glucose_mg_dl : Sfloat
        Glucose concentration, mg/dL (may be a special value such as NaN).
    time_offset_min : int
        Minutes since the session start time.
    sensor_status : CgmSensorStatus
        The annunciation octets that were present (all None when none were sent).
    trend_mg_dl_min : Sfloat or None
        Rate of change, mg/dL/min, when the flags say it is present.
    quality_pct : Sfloat or None
        Sensor-reported quality, %, when the flags say it is present.
    """

    glucose_mg_dl: Sfloat
    time_offset_min: int
    sensor_status: CgmSensorStatus = field(default_factory=CgmSensorStatus)
    trend_mg_dl_min: Sfloat | None = None
    quality_pct: Sfloat | None = None


@dataclass(frozen=True, slots=True)
class DroppedCgmRecord:
    """A record that was not decoded: where it was, why, and its bytes (for the log)."""

    offset: int
    reason: CgmDropReason
    detail: str
    data: bytes


@dataclass(frozen=True, slots=True)
class CgmMeasurementBatch:
    """Everything one notification held: the good records in order and the dropped ones."""

    records: tuple[CgmMeasurement, ...]
    dropped: tuple[DroppedCgmRecord, ...] = ()

    @property
    def dropped_count(self) -> int:
        """Number of records (or unframeable tails) that were dropped."""
        return len(self.dropped)


def expected_record_size(flags: int, *, e2e_crc: bool) -> int:
    """Record size implied by the flags (docs/ble.md "Size check")."""
    octets = sum(1 for which in ANNUNCIATION_OCTET_ORDER if flags & ANNUNCIATION_FLAG[which])
    return (
        RECORD_MIN_SIZE
        + _SFLOAT_SIZE * bool(flags & _FLAG_TREND)
        + _SFLOAT_SIZE * bool(flags & _FLAG_QUALITY)
        + octets
        + CRC_SIZE * e2e_crc
    )


def decode_cgm_measurements(data: ByteData, *, e2e_crc: bool) -> CgmMeasurementBatch:
    """Decode a CGM Measurement (0x2AA7) notification holding one or more records.

    Parameters
    ----------
    data : bytes
        The notification payload.
    e2e_crc : bool
        Whether the CGM Feature announces E2E-CRC (`CgmFeature.e2e_crc_supported`); when
        True every record must end with a valid CRC, when False none may carry one.

    Returns
    -------
    CgmMeasurementBatch
        Good records in wire order plus the dropped ones with their reasons.

    Raises
    ------
    CodecError
        Only when the notification is empty; problems inside records are reported in
        `CgmMeasurementBatch.dropped` instead.
    """
    value = as_bytes(data, _WHAT)
    if not value:
        raise CodecError(f"{_WHAT}: expected at least one {RECORD_MIN_SIZE}-byte record, found 0")
    records: list[CgmMeasurement] = []
    dropped: list[DroppedCgmRecord] = []
    offset = 0
    while offset < len(value):
        size = value[offset]
        if size < RECORD_MIN_SIZE or offset + size > len(value):
            dropped.append(_framing_drop(value, offset, size))
            break
        try:
            records.append(_decode_record(value, offset, size, e2e_crc=e2e_crc))
        except _RecordDropped as drop:
            dropped.append(drop.record)
        offset += size
    for record in dropped:
        log.debug("dropped cgm record at offset %d: %s", record.offset, record.detail)
    return CgmMeasurementBatch(records=tuple(records), dropped=tuple(dropped))


class _RecordDropped(Exception):
    def __init__(self, record: DroppedCgmRecord) -> None:
        super().__init__(record.detail)
        self.record = record


def _framing_drop(value: bytes, offset: int, size: int) -> DroppedCgmRecord:
    detail = (
        f"{_WHAT}: record at offset {offset} has size {size}, expected {RECORD_MIN_SIZE}.."
        f"{len(value) - offset} (bytes left); the remaining {len(value) - offset} byte(s) "
        "cannot be framed"
    )
    return DroppedCgmRecord(offset, CgmDropReason.FRAMING, detail, value[offset:])


def _decode_record(value: bytes, offset: int, size: int, *, e2e_crc: bool) -> CgmMeasurement:
    record = value[offset : offset + size]
    flags = record[1]
    expected = expected_record_size(flags, e2e_crc=e2e_crc)
    if size != expected:
        detail = (
            f"{_WHAT}: record at offset {offset} has size {size} but flags 0x{flags:02X} "
            f"{'with' if e2e_crc else 'without'} E2E-CRC give {expected}"
        )
        raise _RecordDropped(DroppedCgmRecord(offset, CgmDropReason.SIZE_MISMATCH, detail, record))
    if e2e_crc:
        try:
            record = strip_crc(record, f"{_WHAT} record at offset {offset}")
        except CrcError as exc:
            reason = CgmDropReason.CRC_MISMATCH
            raise _RecordDropped(DroppedCgmRecord(offset, reason, str(exc), record)) from None
    return _parse_fields(ByteCursor(record, _WHAT, start=2), flags)


def _parse_fields(cursor: ByteCursor, flags: int) -> CgmMeasurement:
    glucose = cursor.sfloat("glucose concentration")
    time_offset_min = cursor.uint16("time offset")
    octets = {
        which: cursor.uint8(f"{which.value} annunciation octet")
        for which in ANNUNCIATION_OCTET_ORDER
        if flags & ANNUNCIATION_FLAG[which]
    }
    trend = cursor.sfloat("trend") if flags & _FLAG_TREND else None
    quality = cursor.sfloat("quality") if flags & _FLAG_QUALITY else None
    cursor.expect_end()
    return CgmMeasurement(
        glucose_mg_dl=glucose,
        time_offset_min=time_offset_min,
        sensor_status=sensor_status_from_octets(octets),
        trend_mg_dl_min=trend,
        quality_pct=quality,
    )


def encode_cgm_measurement(record: CgmMeasurement, *, e2e_crc: bool) -> bytes:
    """Encode one record (for tests and fakes; concatenate records for a batch).

    Optional fields are flagged exactly when they are not None.
    """
    if not 0 <= record.time_offset_min <= 0xFFFF:
        raise CodecError(
            f"{_WHAT}: expected time offset 0-65535 min, found {record.time_offset_min}"
        )
    flags = _FLAG_TREND * (record.trend_mg_dl_min is not None)
    flags |= _FLAG_QUALITY * (record.quality_pct is not None)
    body = bytearray()
    body += encode_sfloat(record.glucose_mg_dl).to_bytes(2, "little")
    body += record.time_offset_min.to_bytes(2, "little")
    for which in ANNUNCIATION_OCTET_ORDER:
        octet = record.sensor_status.octet(which)
        if octet is not None:
            flags |= ANNUNCIATION_FLAG[which]
            body.append(octet)
    for optional in (record.trend_mg_dl_min, record.quality_pct):
        if optional is not None:
            body += encode_sfloat(optional).to_bytes(2, "little")
    size = expected_record_size(flags, e2e_crc=e2e_crc)
    payload = bytes([size, flags]) + bytes(body)
    return append_crc(payload) if e2e_crc else payload
