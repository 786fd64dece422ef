"""CGM Status 0x2AA9 and CGM Session Run Time 0x2AAB (both read, both E2E-CRC capable).

CGM Status (CGMS v1.0.1, 3.4): time offset uint16 minutes, the 24-bit sensor status
annunciation (always three octets, in `CGM_STATUS_OCTET_ORDER`), E2E-CRC if supported.
Session Run Time (CGMS 3.6): uint16 hours the session is expected to run, E2E-CRC if
supported.
"""

from __future__ import annotations

from dataclasses import dataclass
from struct import Struct

from gateway.codecs._cursor import ByteData, as_bytes
from gateway.codecs.cgm_annunciation import (
    CGM_STATUS_OCTET_ORDER,
    CgmSensorStatus,
    sensor_status_from_octets,
)
from gateway.codecs.crc import CRC_SIZE, append_crc, strip_crc
from gateway.errors import CodecError

CGM_STATUS_SIZE = 5  # uint16 time offset + 3 status octets (CGMS 3.4)
SESSION_RUN_TIME_SIZE = 2  # uint16 hours (CGMS 3.6)
UNPACK_CGM_STATUS = Struct("<HBBB").unpack_from
PACK_CGM_STATUS = Struct("<HBBB").pack
UNPACK_RUN_TIME_H = Struct("<H").unpack_from


@dataclass(frozen=True, slots=True)
class CgmStatus:
    """CGM Status: when it was taken (minutes into the session) and all status bits."""

    time_offset_min: int
    sensor_status: CgmSensorStatus


def _checked_payload(data: ByteData, what: str, size: int, *, e2e_crc: bool) -> bytes:
    value = as_bytes(data, what)
    expected = size + CRC_SIZE * e2e_crc
    if len(value) != expected:
        crc = "with" if e2e_crc else "without"
        raise CodecError(f"{what}: expected {expected} bytes ({crc} E2E-CRC), found {len(value)}")
    return strip_crc(value, what) if e2e_crc else value


def decode_cgm_status(data: ByteData, *, e2e_crc: bool) -> CgmStatus:
    """Decode CGM Status (0x2AA9); `CrcError` when the CRC is announced and wrong."""
    payload = _checked_payload(data, "cgm status", CGM_STATUS_SIZE, e2e_crc=e2e_crc)
    time_offset_min, *octets = UNPACK_CGM_STATUS(payload)
    status = sensor_status_from_octets(dict(zip(CGM_STATUS_OCTET_ORDER, octets, strict=True)))
    return CgmStatus(time_offset_min=time_offset_min, sensor_status=status)


def encode_cgm_status(status: CgmStatus, *, e2e_crc: bool) -> bytes:
    """Encode CGM Status (for tests and fakes); absent octets are sent as 0."""
    octets = [status.sensor_status.octet(which) or 0 for which in CGM_STATUS_OCTET_ORDER]
    payload = PACK_CGM_STATUS(status.time_offset_min, *octets)
    return append_crc(payload) if e2e_crc else payload


def decode_cgm_session_run_time(data: ByteData, *, e2e_crc: bool) -> int:
    """Decode CGM Session Run Time (0x2AAB): expected session length, hours."""
    what = "cgm session run time"
    payload = _checked_payload(data, what, SESSION_RUN_TIME_SIZE, e2e_crc=e2e_crc)
    run_time_h: int = UNPACK_RUN_TIME_H(payload)[0]
    return run_time_h
