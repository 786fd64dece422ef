"""Exact reading counts from the wearables' feeds to the database, none twice."""

from __future__ import annotations

import asyncio

import pytest

from ingest.flags import FLAG_BITS
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
)
from tests.e2e.readings import (
    Expected,
    expected_cgm,
    expected_heart,
    mismatches,
    offsets_of,
    stored,
    wait_for_exact,
)

pytestmark = [pytest.mark.ble, pytest.mark.db]

BEATS = 60  # ~50 notifications: 2 s at 25x
PAST_RECORDS = 13  # offsets 0..60 min, stored before the gateway connects (back-filled)
LIVE_RECORDS = 2  # offsets 65, 70: measured while connected (notified live)


@time_limit()
async def test_every_notification_and_record_is_stored_exactly_once(stack: Stack) -> None:
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
        return Expected(
            heart.hr_bpm,
            heart.rr_ms,
            expected_cgm(feed),
            {device: log.reads for device, log in battery.items()},
        )

    config = gateway_config(stack.home, stack.api_url, stack.outbox_path)
    async with running_gateway(config, stack.radio, stack.hr_clock.now):
        async with asyncio.timeout(30):
            await hr.wait_finished()
            await cgm.wait_finished()
        await wait_for_exact(stack.db_url, expected, stack.home, start)

    # The gateway has stopped: everything it ever sent has been answered.
    answers = stack.api.receipts
    assert set(answers.answers_per_key().values()) == {1}  # every batch sent once
    assert [r.duplicates for r in answers.receipts] == [0] * len(answers.receipts)
    assert answers.accepted() == len((await stored(stack.db_url)).rows)
    got = await stored(stack.db_url)
    assert mismatches(got, expected(), stack.home, start) == []
    assert hr.notifications_sent == len(expected().hr_bpm)
    assert all(reads == 1 for reads in expected().battery_reads.values())
    glucose = offsets_of(got.of(stack.home.cgm_device, "glucose"), start)
    backfilled = {o for o, r in glucose.items() if r.flags & FLAG_BITS["backfilled"]}
    assert set(range(0, PAST_RECORDS * CGM_PERIOD_MIN, CGM_PERIOD_MIN)) <= backfilled
