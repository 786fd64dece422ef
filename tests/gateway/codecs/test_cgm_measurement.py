"""CGM Measurement 0x2AA7: records, annunciation order, size check, E2E-CRC, batches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.cgm_annunciation import (
    ANNUNCIATION_OCTET_ORDER,
    AnnunciationOctet,
    CgmCalTempOctet,
    CgmSensorStatus,
    CgmStatusOctet,
    CgmWarningOctet,
)
from gateway.codecs.cgm_measurement import (
    CgmDropReason,
    CgmMeasurement,
    CgmMeasurementBatch,
    decode_cgm_measurements,
    encode_cgm_measurement,
)
from gateway.codecs.sfloat import Sfloat, SfloatSpecial, decode_sfloat, sfloat_special
from gateway.errors import CodecError
from tests.gateway.codecs.reference import with_crc

# Minimal record: size 6, no flags, glucose 0xF4B0 = 120.0 mg/dL, time offset 5 min.
MINIMAL = bytes.fromhex("06 00 b0f4 0500")
MINIMAL_RECORD = CgmMeasurement(glucose_mg_dl=Sfloat(1200, -1), time_offset_min=5)

# Full record: flags 0xE3 = trend + quality + all three octets, size 6+2+2+3 = 13.
# Octets in wire order warning 0x04, cal/temp 0x01, status 0x02; trend 0xF05A = 9.0
# mg/dL/min; quality 0x0064 = 100 %.
FULL = bytes.fromhex("0d e3 b0f4 0a00 04 01 02 5af0 6400")
FULL_RECORD = CgmMeasurement(
    glucose_mg_dl=Sfloat(1200, -1),
    time_offset_min=10,
    sensor_status=CgmSensorStatus(
        status=CgmStatusOctet.DEVICE_BATTERY_LOW,
        cal_temp=CgmCalTempOctet.TIME_SYNC_REQUIRED,
        warning=CgmWarningOctet.BELOW_HYPO,
    ),
    trend_mg_dl_min=Sfloat(90, -1),
    quality_pct=Sfloat(100, 0),
)


def _with_size(record_without_crc: bytes, extra: int = 2) -> bytes:
    """Bump the size byte for a CRC and append the reference CRC."""
    bumped = bytes([record_without_crc[0] + extra]) + record_without_crc[1:]
    return with_crc(bumped)


def test_minimal_record_decodes() -> None:
    assert decode_cgm_measurements(MINIMAL, e2e_crc=False) == CgmMeasurementBatch(
        records=(MINIMAL_RECORD,)
    )


def test_full_record_decodes_every_optional_field() -> None:
    assert decode_cgm_measurements(FULL, e2e_crc=False) == CgmMeasurementBatch(
        records=(FULL_RECORD,)
    )


def test_annunciation_octet_order_is_warning_cal_temp_status() -> None:
    # The documented choice (cgm_annunciation module docstring, docs/ble.md).
    assert ANNUNCIATION_OCTET_ORDER == (
        AnnunciationOctet.WARNING,
        AnnunciationOctet.CAL_TEMP,
        AnnunciationOctet.STATUS,
    )


def test_all_three_octets_are_read_in_warning_cal_temp_status_order() -> None:
    data = bytes.fromhex("09 e0 b0f4 0000 01 02 04")
    status = decode_cgm_measurements(data, e2e_crc=False).records[0].sensor_status
    assert status == CgmSensorStatus(
        warning=CgmWarningOctet.BELOW_PATIENT_LOW,
        cal_temp=CgmCalTempOctet.CALIBRATION_NOT_ALLOWED,
        status=CgmStatusOctet.SENSOR_TYPE_INCORRECT,
    )


def test_warning_and_status_octets_without_cal_temp_keep_order() -> None:
    data = bytes.fromhex("08 a0 b0f4 0000 08 01")  # bit5 warning, bit7 status
    status = decode_cgm_measurements(data, e2e_crc=False).records[0].sensor_status
    assert status == CgmSensorStatus(
        warning=CgmWarningOctet.ABOVE_HYPER, status=CgmStatusOctet.SESSION_STOPPED
    )


def test_single_status_octet_is_the_status_octet() -> None:
    data = bytes.fromhex("07 80 b0f4 0000 01")
    status = decode_cgm_measurements(data, e2e_crc=False).records[0].sensor_status
    assert status == CgmSensorStatus(status=CgmStatusOctet.SESSION_STOPPED)


def test_special_glucose_value_is_kept_not_dropped() -> None:
    data = bytes.fromhex("06 00 ff07 0100")  # 0x07FF NaN: sensor has no valid reading
    record = decode_cgm_measurements(data, e2e_crc=False).records[0]
    assert record.glucose_mg_dl == sfloat_special(SfloatSpecial.NAN)


def test_several_records_in_one_notification_decode_in_order() -> None:
    second = bytes.fromhex("06 00 5af0 0b00")
    batch = decode_cgm_measurements(FULL + second, e2e_crc=False)
    assert batch == CgmMeasurementBatch(
        records=(FULL_RECORD, CgmMeasurement(Sfloat(90, -1), 11)),
    )


def test_record_with_valid_crc_decodes() -> None:
    batch = decode_cgm_measurements(_with_size(FULL), e2e_crc=True)
    assert batch == CgmMeasurementBatch(records=(FULL_RECORD,))


def test_crc_failure_drops_only_that_record() -> None:
    good_a = _with_size(MINIMAL)
    corrupted = bytearray(_with_size(FULL))
    corrupted[3] ^= 0x01  # flip one glucose bit after the CRC was computed
    good_c = _with_size(bytes.fromhex("06 00 5af0 0b00"))
    batch = decode_cgm_measurements(good_a + bytes(corrupted) + good_c, e2e_crc=True)
    assert batch.records == (MINIMAL_RECORD, CgmMeasurement(Sfloat(90, -1), 11))
    assert [(d.offset, d.reason) for d in batch.dropped] == [
        (len(good_a), CgmDropReason.CRC_MISMATCH)
    ]
    assert batch.dropped[0].data == bytes(corrupted)
    assert batch.dropped_count == 1


def test_crc_is_not_checked_when_feature_says_unsupported() -> None:
    # Same bytes as a CRC record, but without E2E-CRC the size disagrees with the flags.
    batch = decode_cgm_measurements(_with_size(MINIMAL), e2e_crc=False)
    assert batch.records == ()
    assert batch.dropped[0].reason is CgmDropReason.SIZE_MISMATCH


def test_missing_crc_when_feature_says_supported_is_a_size_mismatch() -> None:
    batch = decode_cgm_measurements(MINIMAL, e2e_crc=True)
    assert batch.dropped[0].reason is CgmDropReason.SIZE_MISMATCH
    assert "give 8" in batch.dropped[0].detail


def test_size_mismatch_skips_record_and_keeps_the_next() -> None:
    bad = bytes.fromhex("06 01 b0f4 0500")  # trend flagged but size 6 (should be 8)
    batch = decode_cgm_measurements(bad + MINIMAL, e2e_crc=False)
    assert batch.records == (MINIMAL_RECORD,)
    assert [(d.offset, d.reason) for d in batch.dropped] == [(0, CgmDropReason.SIZE_MISMATCH)]


@pytest.mark.parametrize("size", [0, 5])
def test_size_below_minimum_drops_the_rest(size: int) -> None:
    batch = decode_cgm_measurements(MINIMAL + bytes([size]) + MINIMAL[1:], e2e_crc=False)
    assert batch.records == (MINIMAL_RECORD,)
    assert [(d.offset, d.reason) for d in batch.dropped] == [(6, CgmDropReason.FRAMING)]


def test_size_past_end_drops_the_truncated_tail() -> None:
    batch = decode_cgm_measurements(MINIMAL + FULL[:-1], e2e_crc=False)
    assert batch.records == (MINIMAL_RECORD,)
    assert batch.dropped[0].reason is CgmDropReason.FRAMING
    assert batch.dropped[0].data == FULL[:-1]


def test_empty_notification_raises() -> None:
    with pytest.raises(CodecError, match="at least one 6-byte record, found 0"):
        decode_cgm_measurements(b"", e2e_crc=False)


sfloats = st.integers(0, 0xFFFF).map(decode_sfloat)
octet = st.none() | st.integers(0, 0xFF)
records = st.builds(
    CgmMeasurement,
    glucose_mg_dl=sfloats,
    time_offset_min=st.integers(0, 0xFFFF),
    sensor_status=st.builds(
        CgmSensorStatus,
        status=octet.map(lambda v: None if v is None else CgmStatusOctet(v)),
        cal_temp=octet.map(lambda v: None if v is None else CgmCalTempOctet(v)),
        warning=octet.map(lambda v: None if v is None else CgmWarningOctet(v)),
    ),
    trend_mg_dl_min=st.none() | sfloats,
    quality_pct=st.none() | sfloats,
)


@settings(derandomize=True, max_examples=200, print_blob=True)
@given(st.lists(records, min_size=1, max_size=5), st.booleans())
def test_encode_then_decode_round_trips_a_batch(batch: list[CgmMeasurement], e2e_crc: bool) -> None:
    data = b"".join(encode_cgm_measurement(record, e2e_crc=e2e_crc) for record in batch)
    assert decode_cgm_measurements(data, e2e_crc=e2e_crc) == CgmMeasurementBatch(
        records=tuple(batch)
    )


def test_encoder_crc_matches_reference_crc() -> None:
    assert encode_cgm_measurement(FULL_RECORD, e2e_crc=True) == _with_size(FULL)
