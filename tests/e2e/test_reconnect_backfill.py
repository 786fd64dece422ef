"""A CGM out of range while it keeps measuring: reconnect, incremental RACP back-fill."""

from __future__ import annotations

import asyncio

import pytest

from ingest.flags import FLAG_BITS
from simulators.ble import SimClock
from tests.e2e.conftest import Stack
from tests.e2e.gateway_runner import gateway_config, running_gateway
from tests.e2e.harness import (
    CGM_PERIOD_MIN,
    RACP_UUID16,
    REPORT_ALL,
    REPORT_FROM,
    GattLog,
    cgm_sensor,
    fixed_cgm,
    session_start_before,
    time_limit,
    wait_until,
)
from tests.e2e.readings import offsets_of, stored

pytestmark = [pytest.mark.ble, pytest.mark.db]

PAST_RECORDS = 6  # offsets 0..25 min: stored before the gateway first connects
LIVE_RECORDS = 7  # offsets 30..60 min: one every 0.5 real seconds
CGM_SPEED = 600.0  # faster than the other tests' CGM: this one waits for live records
GAP_RECORDS = 3  # measured while out of range


@time_limit()
async def test_reconnect_backfills_only_records_newer_than_the_last_held(stack: Stack) -> None:
    clock = SimClock(stack.cgm_clock.now(), speed=CGM_SPEED)
    start = session_start_before(clock, (PAST_RECORDS - 1) * CGM_PERIOD_MIN + 2)
    feed = fixed_cgm(0, PAST_RECORDS + LIVE_RECORDS)
    cgm = cgm_sensor(clock, feed, start)
    await stack.radio.add(cgm)
    racp = GattLog.attach(cgm, RACP_UUID16)
    config = gateway_config(stack.home, stack.api_url, stack.outbox_path, kinds=("cgm",))

    async with running_gateway(config, stack.radio, stack.hr_clock.now) as gw:
        outbox, device = gw.runtime.outbox, stack.home.cgm_device

        async def caught_up_live() -> bool:
            progress = await asyncio.to_thread(outbox.cgm_progress, device)
            last = cgm.records[-1].time_offset_min
            if progress is None or progress.last_offset_min != last or last < 30:
                return False
            # Same event-loop step as the check: the sensor cannot measure in between.
            stack.radio.set_in_range(cgm.address, False)
            return True

        await wait_until(caught_up_live, "the gateway to hold a live record")
        held = cgm.records[-1].time_offset_min
        gap_from = len(cgm.records)

        async def gap_measured() -> bool:
            return len(cgm.records) >= gap_from + GAP_RECORDS

        await wait_until(gap_measured, "the CGM to measure while out of range")
        gap = {r.time_offset_min for r in cgm.records[gap_from:]}
        stack.radio.set_in_range(cgm.address, True)
        async with asyncio.timeout(30):
            await cgm.wait_finished()

        async def all_stored() -> bool:
            return len((await stored(stack.db_url)).of(device, "glucose")) >= len(feed)

        await wait_until(all_stored, "every CGM record in the database")

    assert racp.writes[0] == REPORT_ALL
    assert racp.writes[1:]
    assert set(racp.writes[1:]) == {REPORT_FROM.pack(1, 3, 1, held + 1)}
    got = await stored(stack.db_url)
    glucose = offsets_of(got.of(device, "glucose"), start)
    # The API found nothing it was sent twice: the back-fill after the gap asked for (and
    # got) only the missing records. (The outbox may still hold a reading made just
    # before the stop, so its depth is not asserted.)
    assert [r.duplicates for r in stack.api.receipts.receipts] == [0] * len(
        stack.api.receipts.receipts
    )
    assert len(got.of(device, "glucose")) == len(feed)
    assert {o: r.value for o, r in glucose.items()} == {r.offset_min: r.glucose_mg_dl for r in feed}
    backfilled = {o for o, r in glucose.items() if r.flags & FLAG_BITS["backfilled"]}
    assert gap <= backfilled
    assert set(range(0, PAST_RECORDS * CGM_PERIOD_MIN, CGM_PERIOD_MIN)) <= backfilled
