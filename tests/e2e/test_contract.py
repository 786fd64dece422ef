"""Contract: what the real gateway sends validates against the API's own schema and rules.

The request bodies are captured at the gateway's HTTP client (an httpx event hook) while
it reads wearables fed by the physiology models over simulated Bluetooth, then checked
with ``ingest.api.schemas`` (structure) and ``ingest.validation.judge_all`` (every reading
plausible, in its unit, inside the time window). The live API's answers must agree.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json

import pytest

from ingest.api.schemas import BatchIn, HeartbeatIn
from ingest.validation import TimeWindow, judge_all
from simulators.ble import GlucoseReading
from simulators.ble.peripherals.heart_rate import Beat
from simulators.physiology import (
    GlucoseModel,
    HeartModel,
    cgm_feed,
    epoch_s,
    first_reading_s,
    get_scenario,
    heart_feed,
)
from tests.e2e.conftest import Stack
from tests.e2e.gateway_runner import HttpLog, gateway_config, running_gateway
from tests.e2e.harness import cgm_sensor, hr_sensor, time_limit, wait_until
from tests.e2e.readings import stored

pytestmark = [pytest.mark.ble, pytest.mark.db]

SEED = 11
BEATS = 50
NO_CONTACT_BEATS = range(20, 25)  # electrodes off the skin: readings flagged no_contact
RECORDS = 12  # one hour of CGM, all back-filled
# Beyond the sensor's 40-400 mg/dL range the CGM reports -INF/+INF (censored readings).
CENSORED_MG_DL = {3: 30.0, 7: 450.0}
ALL_METRICS = {"heart_rate", "rr_interval", "glucose", "battery"}
ALL_FLAGS = {"backfilled", "censored_low", "censored_high", "no_contact"}


def heart_beats(start: dt.datetime) -> list[Beat]:
    model = HeartModel(get_scenario("healthy").heart, seed=SEED)
    beats = itertools.islice(heart_feed(model, epoch_s(start)), BEATS)
    return [Beat(b.rr_ms, b.hr_bpm, i not in NO_CONTACT_BEATS) for i, b in enumerate(beats)]


def glucose_records(model: GlucoseModel, session_start_s: float) -> list[GlucoseReading]:
    samples = itertools.islice(cgm_feed(model, session_start_s), RECORDS)
    return [
        GlucoseReading(s.offset_min, CENSORED_MG_DL.get(i, s.glucose_mg_dl), s.trend_mg_dl_min)
        for i, s in enumerate(samples)
    ]


def flags_and_metrics(batches: list[BatchIn]) -> tuple[set[str], set[str]]:
    readings = [r for b in batches for r in b.readings]
    return {r["metric"] for r in readings}, {f for r in readings for f in r.get("flags", [])}


@time_limit()
async def test_what_the_gateway_sends_is_valid_and_accepted_by_the_api(stack: Stack) -> None:
    model = GlucoseModel(get_scenario("healthy").glucose, seed=SEED)
    start_s = first_reading_s(model, epoch_s(stack.cgm_clock.now() - dt.timedelta(hours=1)))
    session_start = dt.datetime.fromtimestamp(start_s, dt.UTC)
    hr = hr_sensor(stack.hr_clock, heart_beats(stack.hr_clock.now()))
    cgm = cgm_sensor(stack.cgm_clock, glucose_records(model, start_s), session_start)
    await stack.radio.add(hr)
    await stack.radio.add(cgm)
    config = gateway_config(stack.home, stack.api_url, stack.outbox_path)

    async with running_gateway(config, stack.radio, stack.hr_clock.now) as gw:
        await hr.wait_finished()

        async def drained() -> bool:
            outbox = gw.runtime.outbox
            backfilled = await asyncio.to_thread(outbox.cgm_progress, stack.home.cgm_device)
            depth = await asyncio.to_thread(outbox.depth)
            beats = len(gw.http.bodies("/heartbeat"))
            return backfilled is not None and depth == 0 and beats >= 2

        await wait_until(drained, "the outbox to drain")
        http: HttpLog = gw.http

    settings = stack.api.settings
    window = TimeWindow(
        dt.datetime.now(dt.UTC), settings.future_tolerance_s, settings.buffer_window_days
    )
    batches = [BatchIn.model_validate_json(body) for body in http.bodies("/batch")]
    heartbeats = [HeartbeatIn.model_validate_json(body) for body in http.bodies("/heartbeat")]
    assert batches
    assert heartbeats
    assert all(judge_all(b.readings, window)[1] == [] for b in batches)
    assert {b.gateway_id for b in batches} | {h.gateway_id for h in heartbeats} == {
        stack.home.gateway_id
    }
    assert flags_and_metrics(batches) == (ALL_METRICS, ALL_FLAGS)
    answers = [json.loads(r.content) for r in http.answers("/batch")]
    assert [r.status_code for r in http.answers("/batch")] == [200] * len(batches)
    assert all(a["rejected"] == [] for a in answers)
    beat_codes = [r.status_code for r in http.answers("/heartbeat")]  # the last may be cut off
    assert beat_codes
    assert set(beat_codes) == {200}
    assert sum(a["accepted"] for a in answers) == len((await stored(stack.db_url)).rows)
