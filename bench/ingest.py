"""Ingestion throughput: readings/s through the HTTP API vs the raw staging-COPY path.

Both are measured in one run on the same database and table:

* ``copy``: the exactly-once storage path alone (binary COPY into the staging table, then
  INSERT ... ON CONFLICT DO NOTHING with the rollup), called in-process in batches, on as
  many connections as the API server gets cores;
* ``api``: the same readings (other devices, so nothing is a duplicate) posted by many
  concurrent gateways as JSON batches to a real ``wearmon`` API server in a subprocess.

``ratio = api_readings_per_s / copy_readings_per_s``. It also reports the disk each stored
reading costs: the readings table with its indexes, the whole database, and the WAL.
Run: ``python -m bench.ingest --json`` (uses ``--database-url`` or ``$DATABASE_URL``, else
the embedded PostgreSQL in a temp dir).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import sys
import threading
import time
import uuid

import psycopg

from bench._common import enrol_home, fresh_database, progress
from ingest.db import migrate
from ingest.maintenance import run_once
from ingest.settings import ServerSettings
from ingest.storage.readings import store_readings_sync
from wearmon.api_process import api_process

TAG = "ingest"


def enrol(url: str, gateways: int) -> list[tuple[str, str, str, str]]:
    """(gateway_id, token, api_device, copy_device) per gateway."""
    with psycopg.connect(url) as conn:
        homes = [enrol_home(conn, i, ("hr", "hr")) for i in range(gateways)]
    out = []
    for h in homes:
        api_dev, copy_dev = h.device_ids
        out.append((str(h.gateway_id), h.token, str(api_dev), str(copy_dev)))
    return out


def reading_times(start: dt.datetime, n: int) -> list[dt.datetime]:
    # RR-interval-like spacing: distinct timestamps, about 0.8 s apart.
    return [start + dt.timedelta(microseconds=800_000 * i) for i in range(n)]


def bench_copy(
    url: str,
    homes: list[tuple[str, str, str, str]],
    batches: int,
    size: int,
    start: dt.datetime,
    workers: int,
) -> float:
    """Readings/s of the raw exactly-once path (same table, same batch size)."""
    participant = {}
    with psycopg.connect(url) as conn:
        for dev, pid in conn.execute("SELECT device_id, participant_id FROM devices"):
            participant[str(dev)] = pid
    jobs = [(uuid.UUID(h[3]), participant[h[3]], b) for h in homes for b in range(batches)]
    chunks = [jobs[i::workers] for i in range(workers)]

    def work(chunk: list[tuple[uuid.UUID, object, int]]) -> None:
        with psycopg.connect(url) as conn:
            conn.execute("SET ROLE wearmon_app")
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS staging_readings (device_id uuid, "
                "metric text, measured_at timestamptz, participant_id uuid, value "
                "double precision, unit text, flags smallint) ON COMMIT DELETE ROWS"
            )
            conn.commit()
            for dev, pid, b in chunk:
                t0 = start + dt.timedelta(seconds=b * size)
                rows = [
                    (dev, "rr_interval", t, pid, 800.0, "ms", 0) for t in reading_times(t0, size)
                ]
                with conn.transaction():
                    store_readings_sync(conn, rows, app_rollup=True)  # type: ignore[arg-type]

    t = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return len(jobs) * size / (time.perf_counter() - t)


def bodies(
    homes: list[tuple[str, str, str, str]], batches: int, size: int, start: dt.datetime
) -> list[list[tuple[str, bytes]]]:
    """Pre-serialised JSON batches per gateway, so the client costs little CPU."""
    out = []
    for gid, token, dev, _ in homes:
        per = []
        for b in range(batches):
            t0 = start + dt.timedelta(seconds=b * size)
            readings = [
                {
                    "device_id": dev,
                    "metric": "rr_interval",
                    "measured_at": t.isoformat(),
                    "value": 800.0,
                    "unit": "ms",
                }
                for t in reading_times(t0, size)
            ]
            payload = {
                "gateway_id": gid,
                "sequence": b,
                "sent_at": dt.datetime.now(dt.UTC).isoformat(),
                "readings": readings,
            }
            per.append((token, json.dumps(payload).encode()))
        out.append(per)
    return out


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a kept-alive connection; (status, body)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, await reader.readexactly(length)


def _request(host: str, port: int, token: str, payload: bytes) -> bytes:
    return (
        f"POST /api/v1/ingest/batch HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nIdempotency-Key: {uuid.uuid4()}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


async def bench_api(host: str, port: int, work: list[list[tuple[str, bytes]]], size: int) -> float:
    """Readings/s through the API. The load generator is a minimal keep-alive HTTP/1.1
    client on pre-built requests (like wrk), so that the client's own CPU, which a real
    gateway spends in the home and not on the server, takes little from the two cores."""
    done = 0
    requests = [[_request(host, port, token, payload) for token, payload in w] for w in work]

    async def gateway(batches: list[bytes]) -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in batches:
                status, body = await _post(reader, writer, request)
                if status != 200 or json.loads(body)["accepted"] != size:
                    raise RuntimeError(f"API answered {status}: {body[:300]!r}")
                done += 1
        finally:
            writer.close()

    total = sum(len(w) for w in requests)
    t = time.perf_counter()
    runner = asyncio.gather(*(gateway(w) for w in requests))
    while not runner.done():
        await asyncio.wait({runner}, timeout=1.0)
        progress(TAG, f"api: {done}/{total} batches")
    await runner
    return total * size / (time.perf_counter() - t)


def wal_lsn(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    return str(row[0]) if row else "0/0"


def bytes_per_reading(url: str, wal_before: str, readings: int) -> dict[str, float]:
    """Disk per stored reading: the readings table with its indexes (all partitions), the
    whole database, and the WAL written meanwhile (what a demo's disk use is made of)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT coalesce(sum(pg_total_relation_size(relid)), 0)"
            "        FROM pg_partition_tree('readings')),"
            "       pg_database_size(current_database()),"
            "       pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)",
            (wal_before,),
        ).fetchone()
    assert row is not None
    table, database, wal = (float(str(x)) for x in row)
    return {
        "readings_table_bytes_per_reading": round(table / readings, 1),
        "database_bytes_per_reading": round(database / readings, 1),
        "wal_bytes_per_reading": round(wal / readings, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    ap.add_argument("--gateways", type=int, default=50, help="concurrent gateways")
    ap.add_argument("--batches", type=int, default=8, help="batches per gateway")
    ap.add_argument("--size", type=int, default=500, help="readings per batch")
    ap.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="API server processes (and COPY connections)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating copy/api rounds; medians are reported (the machine "
        "may be busy with other work, alternating keeps the comparison fair)",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    with fresh_database(args.database_url, TAG) as db:
        url = db.url
        with psycopg.connect(url, autocommit=True) as conn:
            info, _ = migrate.upgrade(conn)
            run_once(conn, info, ServerSettings(database_url=url), dt.datetime.now(dt.UTC))
        progress(TAG, f"enrolling {args.gateways} gateways")
        homes = enrol(url, args.gateways)
        wal_before = wal_lsn(url)
        total = args.gateways * args.batches * args.size
        # Every gateway may send as fast as it can: the bench measures the server.
        env = {
            "WEARMON_GATEWAY_RATE_PER_S": "1000",
            "WEARMON_GATEWAY_BURST": "1000",
            "WEARMON_ALERT_WORKERS": "0",  # ingestion only: no alert evaluation
        }
        with api_process(url, workers=args.workers, env=env, quiet=True) as api:
            port = int(api.url.rsplit(":", 1)[1])
            copy_rates, api_rates = [], []
            for r in range(args.rounds):
                # Each round writes its own hour of data, so nothing is ever a duplicate.
                start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2, hours=-r)
                work = bodies(homes, args.batches, args.size, start)
                progress(TAG, f"round {r + 1}/{args.rounds}: copy path, {total} readings")
                copy_rates.append(
                    bench_copy(url, homes, args.batches, args.size, start, args.workers)
                )
                progress(
                    TAG,
                    f"round {r + 1}/{args.rounds}: api path, {total} readings from "
                    f"{args.gateways} gateways",
                )
                api_rates.append(asyncio.run(bench_api("127.0.0.1", port, work, args.size)))
        copy_rate, api_rate = statistics.median(copy_rates), statistics.median(api_rates)
        with psycopg.connect(url) as conn:
            stored = conn.execute("SELECT count(*) FROM readings").fetchone()
        if stored is None or stored[0] != 2 * total * args.rounds:
            raise RuntimeError(f"expected {2 * total * args.rounds} rows, found {stored}")
        disk = bytes_per_reading(url, wal_before, int(stored[0]))
    result = {
        "api_readings_per_s": round(api_rate),
        "copy_readings_per_s": round(copy_rate),
        "ratio": round(api_rate / copy_rate, 3),
        "rounds_api": [round(x) for x in api_rates],
        "rounds_copy": [round(x) for x in copy_rates],
        "readings_per_round": total,
        **disk,
        "gateways": args.gateways,
        "batch_size": args.size,
        "workers": args.workers,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
