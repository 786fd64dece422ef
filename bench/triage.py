"""Triage list speed: 1,000 participants of one clinician, vs aggregating the raw rollup.

Measured in one run on one database (the target: the list for 1,000 participants in
under 0.5 s):

* ``triage``: ``ingest.storage.triage.triage`` as ``GET /api/v1/triage`` calls it (the
  query plus building the rows), its 14-day CGM figures from ``cgm_days``;
* ``http``: ``GET /api/v1/triage`` end to end through a real server (uvicorn in a thread
  on ``--port``), signed in as the clinician: query, audit row naming the 1,000
  participants, JSON;
* ``baseline``: the same query with the 14-day CGM figures and the 24-h wear time
  aggregated from ``readings_5m`` (about 4,300 buckets per participant), what the
  ``cgm_days`` and ``stream_hours`` tallies replace.

Both lists must come out in the same order. The cohort is written with set-based SQL
(untimed): per participant 14 days of 5-minute glucose buckets (1 in 10 participants
with lows), 24 h of heart-rate buckets, a battery bucket, the newest raw readings, and
open alerts for 1 in 5; the tallies are filled from the same buckets, then VACUUM ANALYZE
(the steady state autovacuum keeps). Run:
``python -m bench.triage [--participants 1000] [--repeats 7] [--json]`` (uses
``--database-url`` or ``$DATABASE_URL``, else the embedded PostgreSQL in a temp dir).
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
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import uvicorn
from psycopg import sql

from ingest.api.app import create_app
from ingest.auth.passwords import hash_password
from ingest.db import embedded, migrate
from ingest.settings import ServerSettings
from ingest.storage import triage as triage_mod

_COHORT = """
INSERT INTO studies (study_id) VALUES ('bench') ON CONFLICT DO NOTHING;
INSERT INTO participants (participant_id, study_id)
    SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'bench'
    FROM generate_series(1, %(n)s) i;
INSERT INTO participant_identity (participant_id, full_name, birth_year, sex, district)
    SELECT participant_id, 'P ' || participant_id, 1945, 'F', 'Mapo-gu' FROM participants;
INSERT INTO devices (device_id, participant_id, kind)
    SELECT gen_random_uuid(), participant_id, k FROM participants, unnest('{hr,cgm}'::text[]) k;
INSERT INTO care_teams (name) VALUES ('bench-team');
INSERT INTO accounts (username, role, password_hash)
    VALUES ('bench.nurse', 'clinician', %(hash)s);
INSERT INTO team_members SELECT team_id, account_id FROM care_teams, accounts;
INSERT INTO team_participants (team_id, participant_id)
    SELECT team_id, participant_id FROM care_teams, participants;
"""

_DATA = """
INSERT INTO readings_5m (participant_id, metric, bucket, n, total, min_value, max_value)
SELECT p.participant_id, 'glucose', b, 1, v, v, v
FROM participants p,
     LATERAL (SELECT b, CASE WHEN hashtext(p.participant_id::text) %% 10 = 0
                              AND random() < 0.05 THEN 50.0 ELSE 80 + 100 * random() END v
              FROM generate_series(date_bin('5 minutes', %(now)s::timestamptz - interval '14 days',
                                            '2000-01-03'),
                                   %(now)s::timestamptz - interval '5 minutes',
                                   interval '5 minutes') b
              WHERE random() < 0.4 + 0.6 * (hashtext(p.participant_id::text) %% 2 = 0)::int) g;
INSERT INTO readings_5m (participant_id, metric, bucket, n, total, min_value, max_value)
SELECT participant_id, 'heart_rate', b, 300, 300 * 72, 60, 90
FROM participants, generate_series(date_bin('5 minutes', %(now)s::timestamptz - interval '24 hours',
                                            '2000-01-03'), %(now)s, interval '5 minutes') b;
INSERT INTO readings_5m (participant_id, metric, bucket, n, total, min_value, max_value)
SELECT participant_id, 'battery', date_bin('5 minutes', %(now)s, '2000-01-03'), 1, 60, 60, 60
FROM participants;
INSERT INTO readings (device_id, metric, measured_at, participant_id, received_at, value, unit)
SELECT d.device_id, m, %(now)s::timestamptz - interval '1 second', d.participant_id, %(now)s,
       100, u
FROM devices d,
     LATERAL (VALUES ('heart_rate', '/min', 'hr'), ('glucose', 'mg/dL', 'cgm')) x(m, u, k)
WHERE d.kind = x.k;
TRUNCATE cgm_days;
INSERT INTO cgm_days (participant_id, day, readings, buckets, below_54, below_70, in_range,
                      above_180, above_250)
SELECT participant_id, (bucket AT TIME ZONE 'UTC')::date, sum(n), count(*),
       count(*) FILTER (WHERE max_value < 54), count(*) FILTER (WHERE max_value < 70),
       count(*) FILTER (WHERE min_value >= 70 AND max_value <= 180),
       count(*) FILTER (WHERE min_value > 180), count(*) FILTER (WHERE min_value > 250)
FROM readings_5m WHERE metric = 'glucose' GROUP BY 1, 2;
INSERT INTO alerts (participant_id, rule_id, rule_version, kind, priority, first_seen, last_seen)
SELECT participant_id, r, '1', k, pr, %(now)s, %(now)s FROM participants,
       LATERAL (VALUES ('hypo_level1', 'physiological', 'MEDIUM'),
                       ('stale_device', 'technical', 'LOW')) a(r, k, pr)
WHERE hashtext(participant_id::text || r) %% 5 = 0;
VACUUM ANALYZE;
"""

# The replaced approach: the 14-day CGM figures aggregated from every glucose bucket.
_BASELINE_CGM = """cgm AS (
    SELECT participant_id, sum(n) AS n, count(*) AS buckets,
           count(*) FILTER (WHERE max_value < 54) AS b54,
           count(*) FILTER (WHERE max_value < 70) AS b70,
           count(*) FILTER (WHERE min_value >= 70 AND max_value <= 180) AS tir
    FROM readings_5m
    WHERE participant_id IN (SELECT participant_id FROM mine) AND metric = 'glucose'
      AND bucket >= (%(first_day)s::date::timestamp AT TIME ZONE 'UTC')
    GROUP BY participant_id
),"""


def progress(msg: str) -> None:
    sys.stderr.write(f"[bench/triage] {msg}\n")
    sys.stderr.flush()


def with_db(url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo("", **{k: v for k, v in info.items() if v is not None})


_BASELINE_WEAR = """
    SELECT count(*) AS buckets FROM readings_5m b
    WHERE b.participant_id = m.participant_id AND b.metric = 'heart_rate'
      AND b.bucket >= %(wear_from)s AND b.bucket <= %(now)s
"""


def baseline_sql() -> str:
    """The triage query with its tallies replaced by aggregates over readings_5m."""
    text = triage_mod._TRIAGE
    start = text.index("cgm AS (")
    end = text.index("open_alerts AS (")
    text = text[:start] + _BASELINE_CGM + "\n" + text[end:]
    start = text.index("SELECT sum(h.buckets)")
    end = text.index(") wear ON true")
    return text[:start] + _BASELINE_WEAR + text[end:]


async def measure(url: str, repeats: int, now: dt.datetime) -> dict[str, object]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute("SELECT account_id FROM accounts")
        row = await cur.fetchone()
        assert row is not None
        account = uuid.UUID(str(row[0]))
        fast: list[float] = []
        slow: list[float] = []
        orders: dict[str, list[uuid.UUID]] = {}
        original = triage_mod._TRIAGE
        for r in range(repeats):
            for name, store in (("triage", fast), ("baseline", slow)):
                triage_mod._TRIAGE = original if name == "triage" else baseline_sql()
                t0 = time.perf_counter()
                rows = await triage_mod.triage(conn, account, now)
                store.append(time.perf_counter() - t0)
                await conn.rollback()
                orders[name] = [x.participant_id for x in rows]
            progress(f"round {r + 1}/{repeats}: triage {fast[-1]:.3f} s, baseline {slow[-1]:.3f} s")
        triage_mod._TRIAGE = original
    if orders["triage"] != orders["baseline"]:
        raise RuntimeError("triage and baseline ordered the participants differently")
    return {
        "rows": len(orders["triage"]),
        "triage_s_median": round(statistics.median(fast), 4),
        "triage_s_max": round(max(fast), 4),
        "baseline_s_median": round(statistics.median(slow), 4),
        "ratio": round(statistics.median(fast) / statistics.median(slow), 4),
    }


_PASSWORD = "bench passphrase 2026"


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # runs in a thread
        pass


def measure_http(url: str, port: int, repeats: int) -> dict[str, object]:
    """GET /api/v1/triage through a real server, signed in as the bench clinician."""
    server = _Server(
        uvicorn.Config(
            create_app(ServerSettings(database_url=url, port=port)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the API did not start on port {port}")
        time.sleep(0.05)
    times: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            login = {"username": "bench.nurse", "password": _PASSWORD}
            token = client.post("/api/v1/auth/token", json=login).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            for r in range(repeats):
                t0 = time.perf_counter()
                response = client.get("/api/v1/triage", headers=auth)
                times.append(time.perf_counter() - t0)
                response.raise_for_status()
                progress(f"http round {r + 1}/{repeats}: {times[-1]:.3f} s")
            rows = len(response.json()["items"])
    finally:
        server.should_exit = True
        thread.join(10)
    return {
        "http_rows": rows,
        "http_s_median": round(statistics.median(times), 4),
        "http_s_max": round(max(times), 4),
    }


def _drop(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    ap.add_argument("--participants", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=7, help="alternating rounds; medians")
    ap.add_argument("--port", type=int, default=18150, help="port of the measured server")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN it)")
    args = ap.parse_args()

    handle = None
    server_url = args.database_url
    if server_url is None:
        server_url, handle = embedded.start(Path(tempfile.mkdtemp(prefix="wearmon-bench-")))
    name = f"wearmon_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_db(server_url, name)
    now = dt.datetime.now(dt.UTC)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate.upgrade(conn)
            progress(f"writing {args.participants} participants with 14 days of data")
            cohort = {"n": args.participants, "hash": hash_password(_PASSWORD)}
            for script, params in ((_COHORT, cohort), (_DATA, {"now": now})):
                for statement in filter(str.strip, script.split(";\n")):
                    conn.execute(statement.encode(), params)
        result = asyncio.run(measure(url, args.repeats, now))
        result |= measure_http(url, args.port, args.repeats)
    finally:
        if args.keep:
            progress(f"kept database {url}")
        else:
            _drop(server_url, name)
        if handle is not None:
            handle.cleanup()
    result |= {
        "participants": args.participants,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_avg_1m": os.getloadavg()[0],
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
