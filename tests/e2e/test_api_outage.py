"""The API goes down for a while and comes back: everything is delivered exactly once."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.gateway_runner import gateway_config, running_gateway
from tests.e2e.harness import (
    BATTERY_LEVEL_UUID16,
    CGM_PERIOD_MIN,
    GattLog,
    cgm_sensor,
    fixed_beats,
    fixed_cgm,
    hr_sensor,
    session_start_before,
    time_limit,
    wait_until,
)
from tests.e2e.readings import (
    Expected,
    expected_cgm,
    expected_heart,
    mismatches,
    stored,
    wait_for_exact,
)

pytestmark = [pytest.mark.ble, pytest.mark.db]

BEATS = 120  # ~100 notifications: 4 s at 25x, so the strap notifies through the outage
PAST_RECORDS = 10
LIVE_RECORDS = 3
OUTAGE_S = 1.5  # real seconds with the API server stopped


@time_limit()
async def test_readings_sent_during_an_api_outage_arrive_exactly_once(stack: Stack) -> None:
    beats = fixed_beats(BEATS)
    start = session_start_before(stack.cgm_clock, (PAST_RECORDS - 1) * CGM_PERIOD_MIN + 2)
    feed = fixed_cgm(0, PAST_RECORDS + LIVE_RECORDS)
    hr, cgm = hr_sensor(stack.hr_clock, beats), cgm_sensor(stack.cgm_clock, feed, start)
    await stack.radio.add(hr)
    await stack.radio.add(cgm)
    battery = {
        stack.home.hr_device: GattLog.attach(hr, BATTERY_LEVEL_UUID16),
        stack.home.cgm_device: GattLog.attach(cgm, BATTERY_LEVEL_UUID16),
    }

    def expected() -> Expected:
        heart = expected_heart(beats)
        reads = {device: log.reads for device, log in battery.items()}
        return Expected(heart.hr_bpm, heart.rr_ms, expected_cgm(feed), reads)

    async def some_stored() -> bool:
        return (await stored(stack.db_url)).count("heart_rate") > 0

    config = gateway_config(stack.home, stack.api_url, stack.outbox_path)
    async with running_gateway(config, stack.radio, stack.hr_clock.now) as gw:
        await wait_until(some_stored, "the first readings in the database")
        await asyncio.to_thread(stack.api.stop)
        before = len((await stored(stack.db_url)).rows)
        sent_before = len(gw.http.bodies("/batch"))
        await asyncio.sleep(OUTAGE_S)
        during = len((await stored(stack.db_url)).rows)
        buffered = await asyncio.to_thread(gw.runtime.outbox.depth)
        tried = len(gw.http.bodies("/batch")) - sent_before
        await asyncio.to_thread(stack.api.start)
        async with asyncio.timeout(30):
            await hr.wait_finished()
            await cgm.wait_finished()
        await wait_for_exact(stack.db_url, expected, stack.home, start)

    assert during == before  # the API really was down
    assert buffered > 0  # readings kept coming in...
    assert tried > 0  # ...and uploads kept being tried
    assert mismatches(await stored(stack.db_url), expected(), stack.home, start) == []
    # Everything the stopped gateway sent was answered; a batch whose answer the outage
    # swallowed was re-sent under its own key, and no reading was sent in a second batch.
    assert stack.api.receipts.duplicates_under_new_keys() == 0
    assert stack.api.receipts.accepted() == len((await stored(stack.db_url)).rows)
