"""CGM Status 0x2AA9 and CGM Session Run Time 0x2AAB."""

from __future__ import annotations

import pytest

from gateway.codecs.cgm_annunciation import (
    CGM_STATUS_OCTET_ORDER,
    AnnunciationOctet,
    CgmCalTempOctet,
    CgmSensorStatus,
    CgmStatusOctet,
    CgmWarningOctet,
)
from gateway.codecs.cgm_status import (
    CgmStatus,
    decode_cgm_session_run_time,
    decode_cgm_status,
    encode_cgm_status,
)
from gateway.errors import CodecError, CrcError
from tests.gateway.codecs.reference import with_crc

# time offset 0x012C = 300 min; 24-bit status LSO first: status 0x01, cal/temp 0x08,
# warning 0x80.
STATUS_BYTES = bytes.fromhex("2c01 01 08 80")
STATUS = CgmStatus(
    time_offset_min=300,
    sensor_status=CgmSensorStatus(
        status=CgmStatusOctet.SESSION_STOPPED,
        cal_temp=CgmCalTempOctet.CALIBRATION_REQUIRED,
        warning=CgmWarningOctet.ABOVE_DEVICE_RANGE,
    ),
)


def test_cgm_status_octet_order_is_the_24_bit_field_lso_first() -> None:
    assert CGM_STATUS_OCTET_ORDER == (
        AnnunciationOctet.STATUS,
        AnnunciationOctet.CAL_TEMP,
        AnnunciationOctet.WARNING,
    )


def test_decode_cgm_status() -> None:
    assert decode_cgm_status(STATUS_BYTES, e2e_crc=False) == STATUS


def test_decode_cgm_status_with_crc() -> None:
    assert decode_cgm_status(with_crc(STATUS_BYTES), e2e_crc=True) == STATUS


def test_cgm_status_crc_mismatch_raises() -> None:
    with pytest.raises(CrcError):
        decode_cgm_status(STATUS_BYTES + b"\x00\x00", e2e_crc=True)


def test_cgm_status_of_wrong_length_raises() -> None:
    with pytest.raises(CodecError, match="expected 5 bytes"):
        decode_cgm_status(STATUS_BYTES[:4], e2e_crc=False)


@pytest.mark.parametrize("e2e_crc", [True, False])
def test_cgm_status_round_trips(e2e_crc: bool) -> None:
    assert decode_cgm_status(encode_cgm_status(STATUS, e2e_crc=e2e_crc), e2e_crc=e2e_crc) == STATUS


def test_decode_session_run_time_hours() -> None:
    assert decode_cgm_session_run_time(bytes.fromhex("5001"), e2e_crc=False) == 336  # 14 days


def test_decode_session_run_time_with_crc() -> None:
    assert decode_cgm_session_run_time(with_crc(bytes.fromhex("5001")), e2e_crc=True) == 336


def test_session_run_time_of_wrong_length_raises() -> None:
    with pytest.raises(CodecError, match="expected 4 bytes \\(with E2E-CRC\\), found 2"):
        decode_cgm_session_run_time(bytes.fromhex("5001"), e2e_crc=True)
