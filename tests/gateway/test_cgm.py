"""CGM sessions: RACP back-fill, incremental back-fill, live records, drops and censoring."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from gateway.codecs import uuids
from gateway.codecs.cgm_annunciation import CgmSensorStatus, CgmWarningOctet
from gateway.codecs.cgm_feature import CgmFeature, CgmFeatureBits, encode_cgm_feature
from gateway.codecs.cgm_measurement import CgmMeasurement, encode_cgm_measurement
from gateway.codecs.cgm_session import (
    encode_cgm_session_start_time,
    session_start_time_from_datetime,
)
from gateway.codecs.racp import encode_racp_report_all, encode_racp_report_from
from gateway.codecs.sfloat import SfloatSpecial, sfloat_from_float, sfloat_special
from gateway.outbox import Outbox
from tests.gateway.conftest import DEVICE_CGM
from tests.gateway.fakes import CgmStore, FakePeripheral, FakeRadio, cgm_peripheral
from tests.gateway.test_central import stored, supervisor

pytestmark = pytest.mark.timeout(10)

ADDRESS = "CC:00:00:00:00:01"
SEOUL = dt.timezone(dt.timedelta(hours=9))
SESSION_START = dt.datetime(2026, 11, 21, 8, 0, tzinfo=SEOUL)  # 2026-11-20T23:00Z
START_UTC = dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.UTC)


def feature(e2e_crc: bool = True) -> bytes:
    bits = CgmFeatureBits.E2E_CRC if e2e_crc else CgmFeatureBits(0)
    return encode_cgm_feature(CgmFeature(features=bits, fluid_type=9, sample_location=5))


def start_time(e2e_crc: bool = True, when: dt.datetime = SESSION_START) -> bytes:
    return encode_cgm_session_start_time(session_start_time_from_datetime(when), e2e_crc=e2e_crc)


def record(offset_min: int, mg_dl: float, *, e2e_crc: bool = True, **kw: object) -> bytes:
    m = CgmMeasurement(sfloat_from_float(mg_dl), offset_min, **kw)  # type: ignore[arg-type]
    return encode_cgm_measurement(m, e2e_crc=e2e_crc)


def special(offset_min: int, which: SfloatSpecial) -> bytes:
    return encode_cgm_measurement(CgmMeasurement(sfloat_special(which), offset_min), e2e_crc=True)


def cgm_store(offsets: range, base_mg_dl: float = 100.0) -> CgmStore:
    store = CgmStore()
    for o in offsets:
        store.add(o, record(o, base_mg_dl + o))
    return store


def glucose(box: Outbox) -> list[dict[str, object]]:
    return [r for r in stored(box) if r["metric"] == "glucose"]


def racp_writes(p: FakePeripheral) -> list[bytes]:
    return [d for u, d in p.writes if u == uuids.RECORD_ACCESS_CONTROL_POINT]


async def connect_once(box: Outbox, p: FakePeripheral) -> None:
    sup = supervisor(
        box, FakeRadio({ADDRESS: p}), kind="cgm", device_id=DEVICE_CGM, address=ADDRESS
    )
    await sup.run_once()


def drop_when_done(p: FakePeripheral) -> None:
    """Drop the link as soon as the back-fill has ended (RACP success / no records)."""
    original = p.notify

    def notify(uuid: str, data: bytes) -> None:
        original(uuid, data)
        if uuid == uuids.RECORD_ACCESS_CONTROL_POINT and data[3] in (1, 6):
            asyncio.get_running_loop().call_soon(p.drop_link)

    p.notify = notify  # type: ignore[method-assign]


async def test_first_contact_requests_all_records_and_flags_them_backfilled(box: Outbox) -> None:
    p = cgm_peripheral(cgm_store(range(0, 15, 5)), feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    assert racp_writes(p) == [encode_racp_report_all()]
    readings = glucose(box)
    assert [r["value"] for r in readings] == [100.0, 105.0, 110.0]
    assert {tuple(r["flags"]) for r in readings} == {("backfilled",)}  # type: ignore[arg-type]


async def test_measured_at_is_session_start_plus_offset(box: Outbox) -> None:
    p = cgm_peripheral(cgm_store(range(0, 10, 5)), feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    times = [r["measured_at"] for r in glucose(box)]
    assert times == [
        START_UTC.isoformat(timespec="microseconds"),
        (START_UTC + dt.timedelta(minutes=5)).isoformat(timespec="microseconds"),
    ]


async def test_second_contact_requests_only_newer_records(box: Outbox) -> None:
    store = cgm_store(range(0, 15, 5))
    p = cgm_peripheral(store, feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    store.add(15, record(15, 140.0))
    await connect_once(box, p)
    assert racp_writes(p)[1] == encode_racp_report_from(11)
    assert [r["value"] for r in glucose(box)] == [100.0, 105.0, 110.0, 140.0]


async def test_progress_is_persisted_in_the_outbox(box: Outbox, open_outbox) -> None:
    p = cgm_peripheral(cgm_store(range(0, 15, 5)), feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    progress = open_outbox().cgm_progress(DEVICE_CGM)
    assert progress is not None
    assert progress.last_offset_min == 10


async def test_new_sensor_session_requests_all_again(box: Outbox) -> None:
    store = cgm_store(range(0, 10, 5))
    p = cgm_peripheral(store, feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    p.values[uuids.CGM_SESSION_START_TIME] = start_time(when=SESSION_START + dt.timedelta(days=14))
    await connect_once(box, p)
    assert racp_writes(p) == [encode_racp_report_all(), encode_racp_report_all()]


async def test_interrupted_backfill_does_not_advance_progress(box: Outbox) -> None:
    store = cgm_store(range(0, 30, 5))
    store.drop_after = 3
    p = cgm_peripheral(store, feature(), start_time())
    await connect_once(box, p)
    assert box.cgm_progress(DEVICE_CGM) is None
    store.drop_after = None
    drop_when_done(p)
    await connect_once(box, p)
    assert racp_writes(p)[1] == encode_racp_report_all()
    values = {float(str(r["value"])) for r in glucose(box)}
    assert sorted(values) == [100.0, 105.0, 110.0, 115.0, 120.0, 125.0]


async def test_live_records_after_backfill_are_not_flagged(box: Outbox) -> None:
    p = cgm_peripheral(cgm_store(range(0, 10, 5)), feature(), start_time())
    original = p.notify

    def notify(uuid: str, data: bytes) -> None:
        original(uuid, data)
        if uuid == uuids.RECORD_ACCESS_CONTROL_POINT:
            original(uuids.CGM_MEASUREMENT, record(10, 150.0))
            asyncio.get_running_loop().call_soon(p.drop_link)

    p.notify = notify  # type: ignore[method-assign]
    await connect_once(box, p)
    readings = glucose(box)
    assert [r.get("flags") for r in readings] == [["backfilled"], ["backfilled"], None]
    assert box.cgm_progress(DEVICE_CGM).last_offset_min == 10  # type: ignore[union-attr]


async def test_crc_failed_record_is_dropped_and_counted(box: Outbox) -> None:
    store = cgm_store(range(0, 10, 5))
    corrupt = bytearray(record(10, 200.0))
    corrupt[2] ^= 0xFF
    store.add(10, bytes(corrupt))
    p = cgm_peripheral(store, feature(), start_time())
    drop_when_done(p)
    sup = supervisor(
        box, FakeRadio({ADDRESS: p}), kind="cgm", device_id=DEVICE_CGM, address=ADDRESS
    )
    await sup.run_once()
    assert [r["value"] for r in glucose(box)] == [100.0, 105.0]
    assert sup.ctx.counters.cgm_crc_dropped == 1


async def test_nan_and_nres_are_dropped_and_counted(box: Outbox) -> None:
    store = CgmStore()
    store.add(0, special(0, SfloatSpecial.NAN))
    store.add(5, special(5, SfloatSpecial.NRES))
    store.add(10, record(10, 99.0))
    p = cgm_peripheral(store, feature(), start_time())
    drop_when_done(p)
    sup = supervisor(
        box, FakeRadio({ADDRESS: p}), kind="cgm", device_id=DEVICE_CGM, address=ADDRESS
    )
    await sup.run_once()
    assert [r["value"] for r in glucose(box)] == [99.0]
    assert sup.ctx.counters.cgm_value_dropped == 2


async def test_infinities_and_range_warnings_become_censored_nulls(box: Outbox) -> None:
    store = CgmStore()
    store.add(0, special(0, SfloatSpecial.POSITIVE_INFINITY))
    store.add(5, special(5, SfloatSpecial.NEGATIVE_INFINITY))
    low = CgmSensorStatus(warning=CgmWarningOctet.BELOW_DEVICE_RANGE)
    store.add(10, record(10, 39.0, sensor_status=low))
    p = cgm_peripheral(store, feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    readings = glucose(box)
    assert [r["value"] for r in readings] == [None, None, None]
    assert [r["flags"] for r in readings] == [
        ["backfilled", "censored_high"],
        ["backfilled", "censored_low"],
        ["backfilled", "censored_low"],
    ]


async def test_sensor_without_e2e_crc_is_read(box: Outbox) -> None:
    store = CgmStore()
    store.add(0, record(0, 123.0, e2e_crc=False))
    p = cgm_peripheral(store, feature(e2e_crc=False), start_time(e2e_crc=False))
    drop_when_done(p)
    await connect_once(box, p)
    assert [r["value"] for r in glucose(box)] == [123.0]


async def test_missing_racp_response_times_out_and_reconnects(box: Outbox) -> None:
    store = cgm_store(range(0, 10, 5))
    store.answer = False
    p = cgm_peripheral(store, feature(), start_time())
    sup = supervisor(
        box, FakeRadio({ADDRESS: p}), kind="cgm", device_id=DEVICE_CGM, address=ADDRESS
    )
    await sup.run_once()
    assert sup.failures == 1
    assert box.cgm_progress(DEVICE_CGM) is None
    assert len(glucose(box)) == 2  # what arrived is kept


async def test_refused_filter_falls_back_to_report_all(box: Outbox) -> None:
    store = cgm_store(range(0, 10, 5))
    p = cgm_peripheral(store, feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    store.refuse_filter = True
    store.add(10, record(10, 130.0))
    await connect_once(box, p)
    assert racp_writes(p)[1:] == [encode_racp_report_from(6), encode_racp_report_all()]
    assert box.cgm_progress(DEVICE_CGM).last_offset_min == 10  # type: ignore[union-attr]
    # "Report all" repeats what was held: only the new record is queued again.
    assert [r["value"] for r in glucose(box)] == [100.0, 105.0, 130.0]


async def test_record_notified_live_and_reported_by_racp_is_queued_once(box: Outbox) -> None:
    store = cgm_store(range(0, 15, 5))
    store.newest_live_first = True
    p = cgm_peripheral(store, feature(), start_time())
    drop_when_done(p)
    await connect_once(box, p)
    assert [r["value"] for r in glucose(box)] == [110.0, 100.0, 105.0]


async def test_clock_drift_is_logged_at_the_first_live_record(box: Outbox, outbox_path) -> None:
    import sqlite3

    p = cgm_peripheral(CgmStore(), feature(), start_time())
    original = p.notify

    def notify(uuid: str, data: bytes) -> None:
        original(uuid, data)
        if uuid == uuids.RECORD_ACCESS_CONTROL_POINT:
            original(uuids.CGM_MEASUREMENT, record(30, 150.0))
            asyncio.get_running_loop().call_soon(p.drop_link)

    p.notify = notify  # type: ignore[method-assign]
    await connect_once(box, p)
    with sqlite3.connect(outbox_path) as db:
        rows = db.execute("SELECT device_id, device_clock FROM clock_log").fetchall()
    assert rows == [
        (DEVICE_CGM, (START_UTC + dt.timedelta(minutes=30)).isoformat(timespec="microseconds"))
    ]
