"""Alert latency: from an ingestion request returning 200 to the alert visible in the API.

A cohort of ``--participants`` homes (one gateway each) streams heart rate at 1 Hz with
RR intervals and one CGM reading every 5 minutes (phases staggered), uploading a batch
every ``--upload-s`` seconds, to a real API server (uvicorn subprocess) with
``--workers`` alert workers (``wearmon worker`` subprocesses) on one PostgreSQL.
Meanwhile probe participants, one every ``--probe-every-s``, get 2 h of normal CGM and
two readings below 54 mg/dL stored as history, then a batch with the third low reading:
that batch completes 15 min below 54 mg/dL. The latency is the time from its 200 to the
``hypo_level2`` HIGH alert being listed by ``GET /api/v1/alerts?participant_id=...`` (a
signed-in clinician of the probe's team; the database itself when the alert routes are
not served).

Also reported: worker lag (age of the oldest due queue row, sampled every second),
queue depth, and CPU of the workers, API and PostgreSQL (cores, and CPU-ms per
participant per second for the workers). Target: p95 < 5 s, goal < 2 s.

Run: ``nice -n 10 python -m bench.alert_latency --json`` (``--quick``: 100 participants
for 60 s). Uses ``--database-url`` or ``$DATABASE_URL``, else the embedded PostgreSQL in
a temp dir.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from bench._common import (
    CpuMeter,
    enrol_home,
    fresh_database,
    percentiles_ms,
    progress,
)
from bench._data import ROOT
from ingest.db.pool import STAGING_DDL
from ingest.storage.readings import StagedRow, store_readings_sync
from wearmon.api_process import api_process

TAG = "alert_latency"
_M = dt.timedelta(minutes=1)


def _log(msg: str) -> None:
    progress(TAG, msg)


@dataclass(frozen=True)
class Home:
    participant_id: uuid.UUID
    hr: uuid.UUID
    cgm: uuid.UUID
    gateway_id: uuid.UUID
    token: str


def enrol(url: str, n: int) -> list[Home]:
    """``n`` participants, each with an HR strap, a CGM and a gateway of their own."""
    homes = []
    with psycopg.connect(url) as conn:
        for i in range(n):
            home = enrol_home(conn, i, ("hr", "cgm"))
            hr, cgm = home.device_ids
            homes.append(Home(home.participant_id, hr, cgm, home.gateway_id, home.token))
            if (i + 1) % 200 == 0:
                _log(f"enrolled {i + 1}/{n}")
    return homes


def _iso(t: dt.datetime) -> str:
    return t.isoformat()


def _heart(home: Home, start: dt.datetime, seconds: int) -> list[dict[str, Any]]:
    """1-Hz heart rate at 72 bpm and its RR intervals over ``seconds`` from ``start``."""
    out: list[dict[str, Any]] = []
    for i in range(seconds):
        out.append(
            {
                "device_id": str(home.hr),
                "metric": "heart_rate",
                "measured_at": _iso(start + dt.timedelta(seconds=i)),
                "value": 72.0,
                "unit": "/min",
            }
        )
    rr_s = 60.0 / 72.0
    for k in range(int(seconds / rr_s)):
        out.append(
            {
                "device_id": str(home.hr),
                "metric": "rr_interval",
                "measured_at": _iso(start + dt.timedelta(seconds=(k + 1) * rr_s)),
                "value": round(rr_s * 1000.0, 1),
                "unit": "ms",
            }
        )
    return out


def _cgm(home: Home, at: dt.datetime, value: float) -> dict[str, Any]:
    return {
        "device_id": str(home.cgm),
        "metric": "glucose",
        "measured_at": _iso(at),
        "value": value,
        "unit": "mg/dL",
    }


def _batch(home: Home, seq: int, readings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "gateway_id": str(home.gateway_id),
        "sequence": seq,
        "sent_at": _iso(dt.datetime.now(dt.UTC)),
        "readings": readings,
    }


def _headers(home: Home) -> dict[str, str]:
    return {"Authorization": f"Bearer {home.token}", "Idempotency-Key": str(uuid.uuid4())}


@dataclass
class Stats:
    batches: int = 0
    errors: int = 0
    readings: int = 0


async def stream(
    base: str,
    homes: list[Home],
    probes: set[uuid.UUID],
    upload_s: float,
    stop: asyncio.Event,
    stats: Stats,
) -> None:
    """Every home uploads its last ``upload_s`` seconds of heart data (and CGM when due)."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:

        async def home_loop(i: int, home: Home) -> None:
            await asyncio.sleep(upload_s * i / len(homes))  # staggered start
            seq = 0
            last = dt.datetime.now(dt.UTC).replace(microsecond=0)
            cgm_phase_s = (i * 300.0 / len(homes)) % 300.0
            while not stop.is_set():
                await asyncio.sleep(upload_s)
                now = dt.datetime.now(dt.UTC).replace(microsecond=0)
                seconds = int((now - last).total_seconds())
                if seconds <= 0:
                    continue
                readings = _heart(home, last, seconds)
                if home.participant_id not in probes:
                    # A CGM reading when a 5-min tick of this home's phase fell inside.
                    a, b = last.timestamp() - cgm_phase_s, now.timestamp() - cgm_phase_s
                    if int(a // 300) != int(b // 300):
                        readings.append(_cgm(home, now, 110.0))
                last = now
                seq += 1
                try:
                    r = await client.post(
                        "/api/v1/ingest/batch",
                        json=_batch(home, seq, readings),
                        headers=_headers(home),
                    )
                    stats.batches += 1
                    stats.readings += len(readings)
                    if r.status_code != 200:
                        stats.errors += 1
                except httpx.HTTPError:
                    stats.errors += 1

        await asyncio.gather(*(home_loop(i, h) for i, h in enumerate(homes)))


def store_probe_history(url: str, home: Home, now: dt.datetime) -> None:
    """2 h of CGM at 110 mg/dL, then 50 at -10 and -5 min (history, no evaluation)."""
    rows: list[StagedRow] = []
    for k in range(24, 0, -1):
        at = now - (10 + 5 * k) * _M
        rows.append((home.cgm, "glucose", at, home.participant_id, 110.0, "mg/dL", 0))
    for minutes in (10, 5):
        rows.append(
            (home.cgm, "glucose", now - minutes * _M, home.participant_id, 50.0, "mg/dL", 0)
        )
    with psycopg.connect(url) as conn:
        conn.execute(STAGING_DDL)
        with conn.transaction():
            store_readings_sync(conn, rows, app_rollup=True)


class Visibility:
    """Whether a participant's hypo_level2 alert is listed: API if served, else database."""

    def __init__(self, base: str, url: str, token: str | None) -> None:
        self.client = httpx.Client(base_url=base, timeout=10.0)
        self.url = url
        self.token = token
        self.via = "api" if token else "database"

    def visible(self, pid: uuid.UUID) -> bool:
        if self.token:
            r = self.client.get(
                "/api/v1/alerts",
                params={"participant_id": str(pid), "priority": "HIGH"},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            r.raise_for_status()
            return any(a["rule_id"] == "hypo_level2" for a in r.json()["items"])
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "SELECT 1 FROM alerts WHERE participant_id = %s AND rule_id = 'hypo_level2'", (pid,)
            ).fetchone()
        return row is not None


def clinician_token(base: str, url: str, homes: list[Home]) -> str | None:
    """A signed-in clinician of a team holding every participant (None: no accounts API)."""
    password = uuid.uuid4().hex
    env = {**os.environ, "DATABASE_URL": url}
    add = subprocess.run(
        [
            sys.executable,
            "-m",
            "wearmon",
            "user",
            "add",
            "--role",
            "clinician",
            "--username",
            "bench-nurse",
            "--password-stdin",
            "--team",
            "bench",
            "--json",
        ],
        input=password,
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if add.returncode != 0:
        _log("no accounts CLI here; alerts are read from the database")
        return None
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO team_participants (team_id, participant_id)"
            " SELECT t.team_id, p FROM care_teams t, unnest(%s::uuid[]) p WHERE t.name = 'bench'"
            " ON CONFLICT DO NOTHING",
            ([h.participant_id for h in homes],),
        )
    r = httpx.post(
        f"{base}/api/v1/auth/token",
        json={"username": "bench-nurse", "password": password},
        timeout=30.0,
    )
    if r.status_code != 200:
        _log(f"sign-in failed ({r.status_code}); alerts are read from the database")
        return None
    probe = httpx.get(
        f"{base}/api/v1/alerts",
        headers={"Authorization": f"Bearer {r.json()['access_token']}"},
        timeout=30.0,
    )
    return str(r.json()["access_token"]) if probe.status_code == 200 else None


def sample_lag(url: str, stop: threading.Event, out: list[tuple[float, int]]) -> None:
    """Every second: age of the oldest due queue row (s) and the number of due rows."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.wait(1.0):
            row = conn.execute(
                "SELECT coalesce(extract(epoch FROM now() - min(enqueued_at)), 0)::float8,"
                " count(*) FROM evaluation_queue WHERE due_at <= now()"
            ).fetchone()
            if row:
                out.append((float(row[0]), int(row[1])))


@contextlib.contextmanager
def workers(url: str, n: int) -> Iterator[list[int]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "wearmon", "worker", "--database-url", url],
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]
    try:
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def probe_loop(
    base: str,
    url: str,
    probes: list[Home],
    every_s: float,
    vis: Visibility,
    stop: threading.Event,
    latencies: list[float],
    timeouts: list[str],
) -> None:
    client = httpx.Client(base_url=base, timeout=30.0)
    for k, home in enumerate(probes):
        if stop.wait(every_s if k else 10.0):
            return
        # On the 5-minute grid the glycaemic episodes are measured on (iglu's), so that
        # the third low reading makes exactly 15 min below 54 mg/dL.
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        now -= dt.timedelta(minutes=now.minute % 5)
        store_probe_history(url, home, now)
        r = client.post(
            "/api/v1/ingest/batch",
            json=_batch(home, 10_000 + k, [_cgm(home, now, 48.0)]),
            headers=_headers(home),
        )
        t0 = time.monotonic()
        got = len(latencies)
        if r.status_code != 200:
            timeouts.append(f"probe {k}: HTTP {r.status_code}")
            continue
        while time.monotonic() - t0 < 60.0:
            if vis.visible(home.participant_id):
                latencies.append(time.monotonic() - t0)
                break
            time.sleep(0.05)
        else:
            timeouts.append(f"probe {k}: not visible in 60 s")
        done = f"{latencies[-1] * 1000:.0f} ms" if len(latencies) > got else "not visible"
        _log(f"probe {k + 1}/{len(probes)}: {done}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    server = args.database_url or os.environ.get("DATABASE_URL")
    with fresh_database(server, TAG) as db:
        _log(f"enrolling {args.participants} participants")
        homes = enrol(db.url, args.participants)
        n_probes = max(1, int(args.duration_s // args.probe_every_s))
        probes = homes[:n_probes]
        with (
            api_process(db.url, env={"WEARMON_ALERT_WORKERS": "0"}, quiet=True) as api,
            workers(db.url, args.workers) as worker_pids,
        ):
            base, api_pid = api.url, api.pid
            token = clinician_token(base, db.url, homes)
            vis = Visibility(base, db.url, token)
            meter = CpuMeter(
                {
                    **{f"worker{i}": (p, False) for i, p in enumerate(worker_pids)},
                    "api": (api_pid, True),
                    "postgres": (db.postmaster_pid, True),
                    "bench": (os.getpid(), False),
                }
            )
            stats = Stats()
            stop_t = threading.Event()
            lag: list[tuple[float, int]] = []
            latencies: list[float] = []
            timeouts: list[str] = []
            sampler = threading.Thread(target=sample_lag, args=(db.url, stop_t, lag))
            prober = threading.Thread(
                target=probe_loop,
                args=(base, db.url, probes, args.probe_every_s, vis, stop_t, latencies, timeouts),
            )

            async def drive() -> None:
                stop_a = asyncio.Event()
                task = asyncio.create_task(
                    stream(
                        base,
                        homes,
                        {h.participant_id for h in probes},
                        args.upload_s,
                        stop_a,
                        stats,
                    )
                )
                _log(f"streaming for {args.duration_s:g} s (warm-up {args.warmup_s:g} s)")
                await asyncio.sleep(args.warmup_s)
                meter.start()
                sampler.start()
                prober.start()
                started = time.monotonic()
                while time.monotonic() - started < args.duration_s:
                    await asyncio.sleep(10.0)
                    _log(
                        f"{time.monotonic() - started:.0f} s: {stats.batches} batches, "
                        f"{stats.errors} errors, queue lag now "
                        f"{lag[-1][0] if lag else 0:.1f} s"
                    )
                stop_t.set()
                await asyncio.to_thread(prober.join)
                sampler.join()
                stop_a.set()
                await task

            asyncio.run(drive())
            cores = meter.stop()
    worker_cores = sum(v for k, v in cores.items() if k.startswith("worker"))
    ages = [a for a, _ in lag]
    return {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "participants": args.participants,
        "workers": args.workers,
        "upload_s": args.upload_s,
        "duration_s": args.duration_s,
        "visible_via": vis.via,
        "latency_ms": percentiles_ms(latencies),
        "probes": len(probes),
        "probe_failures": timeouts,
        "batches": stats.batches,
        "batch_errors": stats.errors,
        "readings_per_s": stats.readings / meter.wall_s if meter.wall_s else 0.0,
        "worker_lag_s": {
            "p50": float(sorted(ages)[len(ages) // 2]) if ages else 0.0,
            "p95": float(sorted(ages)[int(len(ages) * 0.95)]) if ages else 0.0,
            "max": max(ages, default=0.0),
        },
        "queue_depth_max": max((d for _, d in lag), default=0),
        "cpu_cores": cores,
        "worker_cpu_ms_per_participant_s": 1000.0 * worker_cores / args.participants,
        "target_p95_ms": 5000.0,
        "goal_p95_ms": 2000.0,
    }


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1, help="alert worker processes")
    ap.add_argument("--upload-s", type=float, default=5.0, help="seconds between uploads")
    ap.add_argument("--duration-s", type=float, default=300.0, help="measured seconds")
    ap.add_argument("--warmup-s", type=float, default=30.0)
    ap.add_argument("--probe-every-s", type=float, default=15.0)
    ap.add_argument("--database-url", help="PostgreSQL server (default: embedded)")
    ap.add_argument("--quick", action="store_true", help="100 participants for 60 s")
    ap.add_argument("--json", action="store_true", help="print a JSON object on stdout")
    args = ap.parse_args(argv)
    if args.quick:
        args.participants, args.duration_s, args.warmup_s = 100, 60.0, 15.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    result = run(args)
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        lat = result["latency_ms"]
        sys.stdout.write(
            f"alert latency p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms "
            f"({lat['n']} probes, via {result['visible_via']}); worker lag p95 "
            f"{result['worker_lag_s']['p95']:.1f} s; worker CPU "
            f"{result['worker_cpu_ms_per_participant_s']:.2f} ms/participant/s\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
