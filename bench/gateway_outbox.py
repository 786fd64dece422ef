"""Gateway outbox and uploader throughput, against a raw-SQLite baseline in the same run.

Measures, on a temp directory:

* ``put``: readings/s and ms per put when each HR notification (1 HR + 2 RR readings) is
  one ``Outbox.put`` transaction (WAL, synchronous=FULL), as the BLE session writes them;
* ``raw``: the baseline, the same rows and transactions as a bare ``executemany`` into a
  one-column table with the same pragmas (the floor any durable outbox pays);
* ``put_full``: ``put`` when the store is at its bound (drop-oldest path on every put);
* ``drain``: readings/s through ``peek_batch`` + ``ack`` (batch 500);
* ``upload``: readings/s through the real ``Uploader`` and ``httpx.AsyncClient`` against
  an in-process ``MockTransport`` that acknowledges everything.

Usage::

    .venv/bin/python -m bench.gateway_outbox [--notifications 5000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

from gateway.outbox import Outbox
from gateway.reading import Reading
from gateway.uploader import Step, Uploader, UploaderSettings

T0 = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
DEVICE = "7d0f3e4e-2f0c-4bd6-9d1e-0b8f8e1c2a01"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def notification(i: int) -> list[Reading]:
    at = T0 + dt.timedelta(seconds=i)
    return [
        Reading(DEVICE, "heart_rate", at, 72.0),
        Reading(DEVICE, "rr_interval", at - dt.timedelta(milliseconds=830), 812.5),
        Reading(DEVICE, "rr_interval", at, 830.078125),
    ]


def bench_put(path: Path, n: int, max_rows: int) -> dict[str, float]:
    box = Outbox(path, gateway_id="gw-bench", max_rows=max_rows)
    notes = [notification(i) for i in range(n)]
    start = time.perf_counter()
    for readings in notes:
        box.put(readings)
    elapsed = time.perf_counter() - start
    box.close()
    return {"readings_per_s": 3 * n / elapsed, "ms_per_put": 1000 * elapsed / n}


def bench_raw(path: Path, n: int) -> dict[str, float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE readings (id INTEGER PRIMARY KEY, reading TEXT NOT NULL)")
    rows = [[(json.dumps(r.to_json()),) for r in notification(i)] for i in range(n)]
    start = time.perf_counter()
    for chunk in rows:
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO readings (reading) VALUES (?)", chunk)
        db.commit()
    elapsed = time.perf_counter() - start
    db.close()
    return {"readings_per_s": 3 * n / elapsed, "ms_per_put": 1000 * elapsed / n}


def bench_drain(path: Path, n: int) -> dict[str, float]:
    box = Outbox(path, gateway_id="gw-bench", max_rows=10 * n)
    box.put([r for i in range(n) for r in notification(i)])
    start = time.perf_counter()
    while (batch := box.peek_batch(500)) is not None:
        box.ack(batch.reading_ids)
    elapsed = time.perf_counter() - start
    box.close()
    return {"readings_per_s": 3 * n / elapsed}


async def bench_upload(path: Path, n: int) -> dict[str, float]:
    box = Outbox(path, gateway_id="gw-bench", max_rows=10 * n)
    box.put([r for i in range(n) for r in notification(i)])

    def api(request: httpx.Request) -> httpx.Response:
        count = request.content.count(b'"metric"')
        return httpx.Response(200, json={"accepted": count, "duplicates": 0, "rejected": []})

    settings = UploaderSettings(api_url="https://api.bench", token="t", batch_size=500)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as client:
        uploader = Uploader(box, client, settings)
        start = time.perf_counter()
        while (await uploader.step()).step is Step.SENT:
            pass
        elapsed = time.perf_counter() - start
    box.close()
    return {"readings_per_s": 3 * n / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notifications", type=int, default=5000, help="HR notifications")
    parser.add_argument("--json", action="store_true", help="machine-readable results")
    args = parser.parse_args()
    n = args.notifications
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        _log(f"raw baseline: {n} transactions of 3 rows")
        results["raw"] = bench_raw(d / "raw.sqlite3", n)
        _log("outbox put")
        results["put"] = bench_put(d / "put.sqlite3", n, max_rows=10 * 3 * n)
        _log("outbox put at its bound (drop-oldest on every put)")
        results["put_full"] = bench_put(d / "full.sqlite3", n, max_rows=3 * n // 10)
        _log("drain: peek_batch(500) + ack")
        results["drain"] = bench_drain(d / "drain.sqlite3", n * 10)
        _log("upload: Uploader + httpx MockTransport")
        results["upload"] = asyncio.run(bench_upload(d / "upload.sqlite3", n * 10))
    raw_rate = results["raw"]["readings_per_s"]
    for name in ("put", "put_full"):
        results[name]["ratio_vs_raw"] = results[name]["readings_per_s"] / raw_rate
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, figures in results.items():
        text = ", ".join(f"{k} {v:,.3f}" for k, v in figures.items())
        print(f"{name:9s} {text}")


if __name__ == "__main__":
    main()
