"""Eight uploaders sending overlapping batches at once end with the exact row count."""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx
import psycopg
import pytest

from tests.ingest.batches import batch, headers, hr_readings, recent
from tests.ingest.conftest import Home, make_settings, serve_in_thread

pytestmark = pytest.mark.db

UPLOADERS = 8
BATCHES_EACH = 6
PER_BATCH = 200
DISTINCT = 2_000  # readings in all; every uploader sends random overlapping slices


async def _uploader(api: str, home: Home, pool: list[dict[str, object]], seed: int) -> int:
    rng = random.Random(seed)
    accepted = 0
    async with httpx.AsyncClient(base_url=api, timeout=60) as client:
        for seq in range(BATCHES_EACH):
            start = rng.randrange(0, DISTINCT - PER_BATCH)
            readings = pool[start : start + PER_BATCH]
            rng.shuffle(readings)
            r = await client.post(
                "/api/v1/ingest/batch",
                json=batch(home, readings, seq),
                headers=headers(home, str(uuid.uuid4())),
            )
            assert r.status_code == 200, r.text
            accepted += r.json()["accepted"]
    return accepted


async def test_overlapping_concurrent_batches_store_each_reading_once(
    home: Home, db_url: str
) -> None:
    pool = hr_readings(home.hr_device, recent(60), DISTINCT)
    # One gateway's uploaders all in flight at once: allow them (the default is fewer).
    for api in serve_in_thread(make_settings(db_url, gateway_concurrency=UPLOADERS)):
        accepted = await asyncio.gather(*(_uploader(api, home, pool, s) for s in range(UPLOADERS)))
    with psycopg.connect(db_url) as conn:
        stored = conn.execute(
            "SELECT count(*), count(DISTINCT measured_at) FROM readings"
        ).fetchone()
        rollup = conn.execute("SELECT sum(n) FROM readings_5m").fetchone()
    assert stored is not None
    assert rollup is not None
    assert stored[0] == stored[1] == sum(accepted)
    assert rollup[0] == stored[0]  # the rollup counted each new reading exactly once
