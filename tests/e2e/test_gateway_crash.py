"""The gateway process is SIGKILLed with a batch in flight, then restarted on its outbox.

The batch is held in flight for real: the test locks the ``readings`` table, so the API
has received the batch and waits inside its transaction while the gateway waits for the
answer. The gateway is killed there, the lock released (the API finishes storing the
batch its client no longer hears about), and a new gateway process starts on the same
outbox file. It must re-send the unacknowledged batch (stored once: same key, same body)
and everything else, and recover the CGM's records by RACP.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gateway.config import GatewayConfig
from simulators.ble import CgmSensor, HeartRateSensor
from tests.e2e.conftest import Stack
from tests.e2e.gateway_runner import gateway_config, outbox_depth
from tests.e2e.harness import (
    BATTERY_LEVEL_UUID16,
    CGM_PERIOD_MIN,
    HR_SPEED,
    RACP_UUID16,
    REPORT_ALL,
    REPORT_FROM,
    GattLog,
    cgm_sensor,
    fixed_beats,
    fixed_cgm,
    hr_sensor,
    session_start_before,
    time_limit,
    wait_until,
)
from tests.e2e.readings import Expected, expected_cgm, expected_heart, mismatches, stored

pytestmark = [pytest.mark.ble, pytest.mark.db]

REPO_ROOT = Path(__file__).resolve().parents[2]
BEATS = 60
PAST_RECORDS = 10
LIVE_RECORDS = 2
STOP_TIMEOUT_S = 15.0


def write_config(config: GatewayConfig, path: Path) -> Path:
    """The config as the JSON file ``gateway.config.load_config`` reads."""
    path.write_text(json.dumps(dataclasses.asdict(config), default=str), encoding="utf-8")
    return path


@asynccontextmanager
async def gateway_process(
    stack: Stack, config_path: Path, log_path: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start tests/e2e/gateway_process.py on a newly served radio port; stop it after.

    Its log goes to ``log_path`` (kept in pytest's tmp_path for a failed run).
    """
    port = await stack.radio.serve_central()
    log = log_path.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.gateway_process",
        str(config_path),
        str(port),
        stack.hr_clock.now().isoformat(),
        str(HR_SPEED),
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stderr=log,
    )
    try:
        yield process
    finally:
        try:
            await _stop(process)
        finally:
            log.close()


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_TIMEOUT_S):
            await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()


def formed_batches(config: GatewayConfig) -> dict[str, int]:
    """Idempotency key -> reading count of each batch formed and not yet acknowledged."""
    with sqlite3.connect(config.outbox_path) as db:
        rows = db.execute("SELECT idempotency_key, reading_ids FROM batches").fetchall()
    return {key: len(json.loads(ids)) for key, ids in rows}


def connect(db_url: str) -> psycopg.Connection[tuple[Any, ...]]:
    """A plain connection (blocking)."""
    return psycopg.connect(db_url)


def lock_waiters(db_url: str) -> int:
    """Sessions of the test database waiting for a lock (the API's batch insert)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


def supervision_timeout(stack: Stack, *wearables: HeartRateSensor | CgmSensor) -> None:
    """The killed gateway's radio went silent: the wearables' links time out."""
    for wearable in wearables:
        stack.radio.set_in_range(wearable.address, False)
        stack.radio.set_in_range(wearable.address, True)


@time_limit()
async def test_a_gateway_killed_mid_upload_loses_and_duplicates_nothing(
    stack: Stack, tmp_path: Path
) -> None:
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

    def expected_rows() -> int:
        e = expected()
        return (
            len(e.hr_bpm) + len(e.rr_ms) + len(e.glucose_by_offset) + sum(e.battery_reads.values())
        )

    racp = GattLog.attach(cgm, RACP_UUID16)
    # The first upload round waits this long, so the batch held in flight is a full one.
    config = gateway_config(stack.home, stack.api_url, stack.outbox_path, upload_interval_s=1.0)
    config_path = write_config(config, tmp_path / "gateway.json")

    async def held_batch_stored() -> bool:
        waiting = await asyncio.to_thread(lock_waiters, stack.db_url)
        return waiting == 0 and len((await stored(stack.db_url)).rows) > 0

    lock = await asyncio.to_thread(connect, stack.db_url)
    try:
        await asyncio.to_thread(lock.execute, "LOCK TABLE readings IN SHARE MODE")
        async with gateway_process(stack, config_path, tmp_path / "first.log") as first:
            async with asyncio.timeout(30):
                await hr.wait_finished()
                await cgm.wait_finished()

            async def all_buffered_and_batch_in_flight() -> bool:
                depth = await asyncio.to_thread(outbox_depth, config)
                waiting = await asyncio.to_thread(lock_waiters, stack.db_url)
                return depth == expected_rows() and waiting > 0

            await wait_until(all_buffered_and_batch_in_flight, "a batch in flight")
            first.kill()
            await first.wait()
            formed_at_kill = await asyncio.to_thread(formed_batches, config)
    finally:
        await asyncio.to_thread(lock.close)  # rolls back: the held batch may now commit
    await wait_until(held_batch_stored, "the held batch to be stored")
    stored_at_kill = len((await stored(stack.db_url)).rows)
    requests_at_kill = len(racp.writes)
    supervision_timeout(stack, hr, cgm)

    async def complete() -> bool:
        reconnected = len(racp.writes) > requests_at_kill  # the new gateway asked the CGM
        got = await stored(stack.db_url)
        return reconnected and not mismatches(got, expected(), stack.home, start)

    async def acknowledged() -> bool:
        # The last batch is in the database before its answer reaches the gateway; the
        # gateway is stopped only once it has emptied its outbox (a stop cancels an
        # upload in flight and keeps its readings, by design, so checking the outbox
        # right after the database filled up raced that answer on a loaded machine).
        return await asyncio.to_thread(outbox_depth, config) == 0

    async with gateway_process(stack, config_path, tmp_path / "restarted.log"):
        await wait_until(complete, "the CGM re-read and every reading in the database")
        await wait_until(acknowledged, "the gateway to empty its outbox")

    assert first.returncode == -signal.SIGKILL
    assert 0 < stored_at_kill < expected_rows()  # sent and stored, never acknowledged
    assert racp.writes[0] == REPORT_ALL
    assert set(racp.writes[requests_at_kill:]) == {
        REPORT_FROM.pack(1, 3, 1, feed[-1].offset_min + 1)  # progress survived the kill
    }
    assert mismatches(await stored(stack.db_url), expected(), stack.home, start) == []
    assert await asyncio.to_thread(outbox_depth, config) == 0
    # The batch in flight at the kill was answered twice under its own key: once to the
    # killed gateway, once to the new one, which found every reading stored already.
    answers = stack.api.receipts
    twice = [key for key, n in answers.answers_per_key().items() if n > 1]
    assert len(twice) == 1
    assert twice[0] in formed_at_kill
    held = [r for r in answers.receipts if r.idempotency_key == twice[0]]
    assert [(r.accepted, r.duplicates) for r in held] == [
        (formed_at_kill[twice[0]], 0),
        (0, formed_at_kill[twice[0]]),
    ]
    # No reading travelled in a second batch under a new key.
    assert answers.duplicates_under_new_keys() == 0
