"""CGM Session Start Time 0x2AAA and absolute reading times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.cgm_session import (
    TIME_ZONE_UNKNOWN,
    CgmSessionStartTime,
    DstOffset,
    SessionStartUtc,
    decode_cgm_session_start_time,
    encode_cgm_session_start_time,
    reading_time_utc,
    resolve_session_start,
    session_start_time_from_datetime,
)
from gateway.codecs.date_time import DeviceDateTime
from gateway.errors import CodecError, CrcError
from tests.gateway.codecs.reference import with_crc

# 2026-11-22 15:30:00 local, time zone +36 x 15 min (UTC+9, Seoul), standard time.
SEOUL_BYTES = bytes.fromhex("ea07 0b 16 0f 1e 00 24 00")
SEOUL_START = CgmSessionStartTime(
    local_time=DeviceDateTime(2026, 11, 22, 15, 30, 0),
    time_zone_15min=36,
    dst_offset=DstOffset.STANDARD_TIME,
)


def test_decode_session_start_time() -> None:
    assert decode_cgm_session_start_time(SEOUL_BYTES, e2e_crc=False) == SEOUL_START


def test_decode_session_start_time_with_crc() -> None:
    decoded = decode_cgm_session_start_time(with_crc(SEOUL_BYTES), e2e_crc=True)
    assert decoded == SEOUL_START


def test_session_start_time_crc_mismatch_raises() -> None:
    corrupted = bytearray(with_crc(SEOUL_BYTES))
    corrupted[0] ^= 1
    with pytest.raises(CrcError):
        decode_cgm_session_start_time(bytes(corrupted), e2e_crc=True)


@pytest.mark.parametrize(("e2e_crc", "length"), [(False, 11), (True, 9)])
def test_session_start_time_length_follows_e2e_crc(e2e_crc: bool, length: int) -> None:
    with pytest.raises(CodecError, match=f"found {length}"):
        decode_cgm_session_start_time(with_crc(SEOUL_BYTES)[:length], e2e_crc=e2e_crc)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes.fromhex("ea07 0d 16 0f 1e 00 24 00"), "month 0-12, found 13"),
        (bytes.fromhex("ea07 0b 16 18 1e 00 24 00"), "hour 0-23, found 24"),
        (bytes.fromhex("0100 0b 16 0f 1e 00 24 00"), "year 1582-9999"),
        (bytes.fromhex("ea07 0b 16 0f 1e 00 39 00"), "time zone -48..56"),
        (bytes.fromhex("ea07 0b 16 0f 1e 00 24 01"), "DST offset 0, 2, 4, 8 or 255"),
    ],
)
def test_out_of_range_field_is_rejected(data: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_cgm_session_start_time(data, e2e_crc=False)


def test_encode_session_start_time_matches_vector() -> None:
    assert encode_cgm_session_start_time(SEOUL_START, e2e_crc=False) == SEOUL_BYTES
    assert encode_cgm_session_start_time(SEOUL_START, e2e_crc=True) == with_crc(SEOUL_BYTES)


def test_resolve_session_start_subtracts_the_zone() -> None:
    assert resolve_session_start(SEOUL_START) == SessionStartUtc(
        start_utc=dt.datetime(2026, 11, 22, 6, 30, tzinfo=dt.UTC), zone_assumed=False
    )


def test_resolve_session_start_subtracts_dst_too() -> None:
    # 10:00 local, UTC-5 standard (-20 steps) plus 1 h DST -> UTC-4 -> 14:00 UTC
    start = CgmSessionStartTime(DeviceDateTime(2026, 7, 1, 10, 0, 0), -20, DstOffset.ONE_HOUR)
    assert resolve_session_start(start).start_utc == dt.datetime(2026, 7, 1, 14, tzinfo=dt.UTC)


def test_unknown_time_zone_is_treated_as_utc_and_flagged() -> None:
    start = CgmSessionStartTime(
        DeviceDateTime(2026, 11, 22, 15, 30, 0), TIME_ZONE_UNKNOWN, DstOffset.STANDARD_TIME
    )
    assert resolve_session_start(start) == SessionStartUtc(
        start_utc=dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.UTC), zone_assumed=True
    )


def test_unknown_dst_is_treated_as_zero_and_flagged() -> None:
    start = CgmSessionStartTime(DeviceDateTime(2026, 11, 22, 15, 30, 0), 36, DstOffset.UNKNOWN)
    resolved = resolve_session_start(start)
    assert resolved.start_utc == dt.datetime(2026, 11, 22, 6, 30, tzinfo=dt.UTC)
    assert resolved.zone_assumed


@pytest.mark.parametrize(
    "local", [DeviceDateTime(0, 0, 0, 0, 0, 0), DeviceDateTime(2026, 2, 30, 0, 0, 0)]
)
def test_unknown_or_impossible_date_cannot_be_resolved(local: DeviceDateTime) -> None:
    with pytest.raises(CodecError, match="date"):
        resolve_session_start(CgmSessionStartTime(local, 36, DstOffset.STANDARD_TIME))


def test_reading_time_is_start_plus_offset_minutes() -> None:
    start_utc = dt.datetime(2026, 11, 22, 6, 30, tzinfo=dt.UTC)
    assert reading_time_utc(start_utc, 90) == dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


def test_reading_time_converts_an_aware_start_to_utc() -> None:
    start = dt.datetime(2026, 11, 22, 15, 30, tzinfo=ZoneInfo("Asia/Seoul"))
    result = reading_time_utc(start, 5)
    assert (result, result.tzinfo) == (dt.datetime(2026, 11, 22, 6, 35, tzinfo=dt.UTC), dt.UTC)


def test_reading_time_rejects_naive_start() -> None:
    with pytest.raises(CodecError, match="timezone-aware"):
        reading_time_utc(dt.datetime(2026, 11, 22), 5)


def test_session_start_time_from_seoul_datetime() -> None:
    when = dt.datetime(2026, 11, 22, 15, 30, tzinfo=ZoneInfo("Asia/Seoul"))
    assert session_start_time_from_datetime(when) == SEOUL_START


def test_session_start_time_from_summer_new_york_splits_dst() -> None:
    when = dt.datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    start = session_start_time_from_datetime(when)
    assert (start.time_zone_15min, start.dst_offset) == (-20, DstOffset.ONE_HOUR)


def test_session_start_time_from_naive_datetime_is_rejected() -> None:
    with pytest.raises(CodecError, match="timezone-aware"):
        session_start_time_from_datetime(dt.datetime(2026, 11, 22))


def test_session_start_time_from_odd_offset_is_rejected() -> None:
    odd = dt.timezone(dt.timedelta(minutes=10))
    with pytest.raises(CodecError, match="15-minute"):
        session_start_time_from_datetime(dt.datetime(2026, 11, 22, tzinfo=odd))


@settings(derandomize=True, max_examples=200, print_blob=True)
@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.integers(-48, 56).map(lambda q: dt.timezone(dt.timedelta(minutes=15 * q))),
    ),
    st.booleans(),
)
def test_datetime_to_wire_and_back_to_utc_round_trips(when: dt.datetime, e2e_crc: bool) -> None:
    start = session_start_time_from_datetime(when)
    wire = encode_cgm_session_start_time(start, e2e_crc=e2e_crc)
    decoded = decode_cgm_session_start_time(wire, e2e_crc=e2e_crc)
    expected = when.replace(microsecond=0).astimezone(dt.UTC)
    assert resolve_session_start(decoded) == SessionStartUtc(expected, zone_assumed=False)
