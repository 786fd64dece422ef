"""CGM encoders against the layouts of docs/ble.md and an independent decoder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.ble.cgm_encoding import (
    ANNUNCIATION_ABOVE_HYPER,
    ANNUNCIATION_BATTERY_LOW,
    ANNUNCIATION_OCTET_ORDER,
    CGM_FEATURE_E2E_CRC,
    CGM_FEATURE_QUALITY,
    CGM_FEATURE_TREND,
    CGM_FLAG_CAL_TEMP_OCTET,
    CGM_FLAG_STATUS_OCTET,
    CGM_FLAG_WARNING_OCTET,
    CgmRecord,
    SessionStartTime,
    corrupt_crc,
    decode_session_start_time,
    encode_cgm_feature,
    encode_cgm_record,
    encode_cgm_status,
    encode_session_run_time,
    encode_session_start_time,
)
from simulators.ble.encoding import crc16_mcrf4xx
from simulators.ble.errors import EncodingError

from .wire import split_cgm_records


def test_cgm_record_size_counts_optional_fields_and_crc() -> None:
    encoded = encode_cgm_record(CgmRecord(5, 120.0, -1.0, 90.0))
    assert encoded[0] == len(encoded) == 12


def test_cgm_record_crc_covers_all_preceding_bytes() -> None:
    encoded = encode_cgm_record(CgmRecord(5, 120.0))
    assert crc16_mcrf4xx(encoded[:-2]) == int.from_bytes(encoded[-2:], "little")


def test_cgm_record_fields_decode_independently() -> None:
    (record,) = split_cgm_records(encode_cgm_record(CgmRecord(300, 87.0, 0.5, 95.0)))
    assert (record.offset_min, record.glucose_mg_dl, record.crc_ok) == (300, 87.0, True)


def test_cgm_record_without_crc_is_two_bytes_shorter() -> None:
    record = CgmRecord(5, 120.0)
    assert len(encode_cgm_record(record, with_crc=False)) == len(encode_cgm_record(record)) - 2


def test_annunciation_octet_order_is_warning_cal_temp_status() -> None:
    flags = [flag for flag, _shift in ANNUNCIATION_OCTET_ORDER]
    assert flags == [CGM_FLAG_WARNING_OCTET, CGM_FLAG_CAL_TEMP_OCTET, CGM_FLAG_STATUS_OCTET]


def test_annunciation_octets_follow_the_documented_order() -> None:
    record = CgmRecord(0, 250.0, annunciation=ANNUNCIATION_ABOVE_HYPER | ANNUNCIATION_BATTERY_LOW)
    encoded = encode_cgm_record(record, with_crc=False)
    assert (encoded[1], encoded[6:8]) == (0xA0, bytes([0x08, 0x02]))


def test_corrupt_crc_breaks_only_the_crc() -> None:
    encoded = encode_cgm_record(CgmRecord(5, 120.0))
    (record,) = split_cgm_records(corrupt_crc(encoded))
    assert (record.crc_ok, record.glucose_mg_dl) == (False, 120.0)


def test_cgm_feature_sets_crc_over_first_four_bytes() -> None:
    encoded = encode_cgm_feature(CGM_FEATURE_E2E_CRC | CGM_FEATURE_TREND | CGM_FEATURE_QUALITY)
    assert encoded[:4] == bytes([0x00, 0x90, 0x01, 0x59])
    assert int.from_bytes(encoded[4:], "little") == crc16_mcrf4xx(encoded[:4])


def test_cgm_feature_without_e2e_crc_ends_with_ffff() -> None:
    assert encode_cgm_feature(CGM_FEATURE_TREND)[4:] == b"\xff\xff"


def test_session_start_time_is_local_time_with_zone() -> None:
    start = SessionStartTime(datetime(2026, 1, 2, 15, 30, tzinfo=UTC), time_zone_quarters=36)
    encoded = encode_session_start_time(start, with_crc=False)
    # 15:30 UTC is 00:30 on the 3rd in Seoul (UTC+9 = 36 quarter hours)
    assert encoded == bytes.fromhex("ea070103001e002400")


def test_session_start_time_round_trips_with_crc() -> None:
    start = SessionStartTime(datetime(2026, 1, 2, 15, 30, tzinfo=UTC))
    assert decode_session_start_time(encode_session_start_time(start), crc_required=True) == start


def test_session_start_time_without_required_crc_is_rejected() -> None:
    encoded = encode_session_start_time(SessionStartTime(datetime(2026, 1, 2, tzinfo=UTC)), False)
    with pytest.raises(EncodingError, match="CRC"):
        decode_session_start_time(encoded, crc_required=True)


def test_cgm_status_carries_offset_and_three_annunciation_octets() -> None:
    encoded = encode_cgm_status(300, ANNUNCIATION_ABOVE_HYPER | ANNUNCIATION_BATTERY_LOW)
    assert encoded[:5] == bytes([0x2C, 0x01, 0x02, 0x00, 0x08])
    assert int.from_bytes(encoded[5:], "little") == crc16_mcrf4xx(encoded[:5])


def test_session_run_time_is_hours_with_crc() -> None:
    encoded = encode_session_run_time(336)
    assert encoded[:2] == bytes([0x50, 0x01])
    assert int.from_bytes(encoded[2:], "little") == crc16_mcrf4xx(encoded[:2])


@given(st.binary(max_size=14), st.booleans())
def test_any_written_session_start_decodes_or_raises_encoding_error(
    data: bytes, crc_required: bool
) -> None:
    try:
        decoded = decode_session_start_time(data, crc_required)
    except EncodingError:
        return
    assert decoded.start_utc.tzinfo is not None


def test_session_start_at_the_edge_of_the_calendar_raises_encoding_error() -> None:
    first_day_east_of_utc = bytes.fromhex("010001010000002400")
    with pytest.raises(EncodingError):
        decode_session_start_time(first_day_east_of_utc, crc_required=False)
