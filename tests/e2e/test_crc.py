"""CGM records that fail their E2E-CRC are dropped, counted, and never stored."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.gateway_runner import gateway_config, running_gateway
from tests.e2e.harness import (
    CGM_PERIOD_MIN,
    cgm_sensor,
    fixed_cgm,
    session_start_before,
    time_limit,
    wait_until,
)
from tests.e2e.readings import offsets_of, stored

pytestmark = [pytest.mark.ble, pytest.mark.db]

RECORDS = 12  # all measured before the gateway connects: one RACP "report all"
CORRUPTED = 3  # the first records transmitted, i.e. the oldest of the back-fill


@time_limit()
async def test_records_with_a_bad_crc_are_absent_and_counted(stack: Stack) -> None:
    start = session_start_before(stack.cgm_clock, RECORDS * CGM_PERIOD_MIN)
    feed = fixed_cgm(0, RECORDS)
    cgm = cgm_sensor(stack.cgm_clock, feed, start)
    cgm.corrupt_next_crc(CORRUPTED)
    await stack.radio.add(cgm)
    config = gateway_config(stack.home, stack.api_url, stack.outbox_path, kinds=("cgm",))
    device = stack.home.cgm_device

    async with running_gateway(config, stack.radio, stack.hr_clock.now) as gw:
        counters = gw.counters(device)

        async def backfill_stored() -> bool:
            rows = (await stored(stack.db_url)).of(device, "glucose")
            return counters.cgm_crc_dropped >= CORRUPTED and len(rows) >= RECORDS - CORRUPTED

        await wait_until(backfill_stored, "the back-fill in the database")
        await asyncio.sleep(0.3)  # a late re-request of the dropped records would land now

    got = await stored(stack.db_url)
    glucose = offsets_of(got.of(device, "glucose"), start)
    assert {o: r.value for o, r in glucose.items()} == {
        r.offset_min: r.glucose_mg_dl for r in feed[CORRUPTED:]
    }
    assert (counters.cgm_crc_dropped, counters.undecodable, counters.cgm_value_dropped) == (
        CORRUPTED,
        0,
        0,
    )
