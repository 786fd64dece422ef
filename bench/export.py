"""Research export: time and peak memory as the data grow (two sizes per content).

Scenarios (each size in a fresh database on the same server, in one run):

* ``5m``: 5-minute aggregates (heart rate, RR interval, glucose) of N participants x
  D days, released as ``readings_5m`` and ``daily`` in CSV and Parquet;
* ``raw``: raw readings of N participants x 1 day (heart rate and RR interval once a
  second, glucose every 5 minutes), released as ``readings`` in CSV and Parquet.

Each export runs in a child process (``wearmon export run``'s code path, in-process
there) that reports its own peak resident set size (``getrusage(RUSAGE_SELF)``); a
child that only imports, connects and exits gives the baseline. Memory is bounded when
the peak stays flat while the rows double. Run: ``python -m bench.export --json``
(``--database-url`` or ``$DATABASE_URL``, else the embedded PostgreSQL in a temp dir).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from bench._data import ROOT
from ingest.db import embedded, migrate
from ingest.export.projects import ProjectSpec, create_project
from ingest.export.run import run_export

START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)  # a Monday 09:00 in Seoul
DISTRICTS = ("Mapo-gu", "Gangnam-gu", "Nowon-gu", "Guro-gu", "Jongno-gu")


def progress(msg: str) -> None:
    sys.stderr.write(f"[bench/export] {msg}\n")
    sys.stderr.flush()


def with_db(url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo("", **{k: v for k, v in info.items() if v is not None})


def fresh_database(server: str) -> str:
    name = f"wm_bench_export_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_db(server, name)
    with psycopg.connect(url) as conn:
        migrate.upgrade(conn)
    return url


def drop_database(server: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name)))
        )


def seed_people(conn: psycopg.Connection[tuple[object, ...]], n: int) -> list[uuid.UUID]:
    """n consenting participants (ages 65-90, both sexes, five gu) with an HR and a CGM."""
    ids = [uuid.UUID(int=i + 1) for i in range(n)]
    conn.execute("INSERT INTO studies (study_id) VALUES ('bench')")
    with conn.cursor() as cur:
        with cur.copy("COPY participants (participant_id, study_id) FROM STDIN") as copy:
            for pid in ids:
                copy.write_row((pid, "bench"))
        with cur.copy(
            "COPY participant_identity (participant_id, full_name, birth_year, sex, district)"
            " FROM STDIN"
        ) as copy:
            for i, pid in enumerate(ids):
                copy.write_row(
                    (pid, f"P{i}", 1936 + i % 26, "FM"[i % 2], DISTRICTS[i % len(DISTRICTS)])
                )
        with cur.copy("COPY devices (device_id, participant_id, kind) FROM STDIN") as copy:
            for i, pid in enumerate(ids):
                copy.write_row((uuid.UUID(int=(1 << 64) + 2 * i), pid, "hr"))
                copy.write_row((uuid.UUID(int=(1 << 64) + 2 * i + 1), pid, "cgm"))
        conn.execute(
            "INSERT INTO accounts (username, role, password_hash)"
            " VALUES ('bench.researcher', 'researcher', 'x')"
        )
    conn.commit()
    return ids


def seed_5m(url: str, n: int, days: int) -> int:
    """Generated server-side (generate_series): seeding is not what is measured."""
    with psycopg.connect(url) as conn:
        seed_people(conn, n)
        cur = conn.execute(
            "INSERT INTO readings_5m (participant_id, metric, bucket, n, total, min_value,"
            " max_value)"
            " SELECT p.participant_id, m.metric, %(start)s + b * interval '5 minutes',"
            "  m.n, m.n * v, v - 1, v + 1"
            " FROM participants p"
            " CROSS JOIN generate_series(0, %(buckets)s - 1) AS b"
            " CROSS JOIN (VALUES ('heart_rate', 300), ('rr_interval', 300), ('glucose', 1))"
            "  AS m(metric, n)"
            " CROSS JOIN LATERAL (SELECT CASE m.metric WHEN 'heart_rate' THEN 60 + b %% 30"
            "  WHEN 'rr_interval' THEN 60000.0 / (60 + b %% 30) ELSE 90 + b %% 120 END AS v) x",
            {"start": START, "buckets": days * 288},
        )
        rows = cur.rowcount
        conn.commit()
    return rows


def seed_raw(url: str, n: int) -> int:
    """HR and RR once a second, glucose every 5 minutes, for one day (server-side)."""
    with psycopg.connect(url) as conn:
        seed_people(conn, n)
        cur = conn.execute(
            "INSERT INTO readings (device_id, metric, measured_at, participant_id, received_at,"
            " value, unit, flags)"
            " SELECT d.device_id, m.metric, %(start)s + s * interval '1 second',"
            "  d.participant_id, %(start)s + s * interval '1 second',"
            "  CASE m.metric WHEN 'heart_rate' THEN 60 + (s / 60) %% 30"
            "   WHEN 'rr_interval' THEN 60000.0 / (60 + (s / 60) %% 30)"
            "   ELSE 90 + (s / 300) %% 120 END, m.unit, 0"
            " FROM devices d"
            " JOIN (VALUES ('hr', 'heart_rate', '/min', 1), ('hr', 'rr_interval', 'ms', 1),"
            "  ('cgm', 'glucose', 'mg/dL', 300)) AS m(kind, metric, unit, every_s)"
            "  ON m.kind = d.kind"
            " CROSS JOIN generate_series(0, 86399) AS s"
            " WHERE s %% m.every_s = 0",
            {"start": START},
        )
        rows = cur.rowcount
        conn.commit()
    return rows


def child(args: argparse.Namespace) -> None:
    """Run one export (or, with --baseline, only connect) and print its timing."""
    started = time.perf_counter()
    with psycopg.connect(args.database_url) as conn:
        if not args.baseline:
            run_export(
                conn,
                "bench",
                Path(args.out),
                actor="bench",
                now=lambda: dt.datetime.now(dt.UTC),
                progress=lambda table, rows: None,
            )
    # Peak resident set size of this process (KiB on Linux), read by the child itself.
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mib": peak_kib / 1024}))


def measure(url: str, out: Path, baseline: bool = False) -> dict[str, float]:
    cmd = [sys.executable, "-m", "bench.export", "--child", "--database-url", url]
    cmd += ["--out", str(out), *(["--baseline"] if baseline else [])]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"export child failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout)
    return result


def scenario(server: str, kind: str, n: int, days: int, tmp: Path) -> dict[str, object]:
    url = fresh_database(server)
    try:
        progress(f"{kind}: seeding {n} participants x {days} day(s)")
        t0 = time.perf_counter()
        rows = seed_5m(url, n, days) if kind == "5m" else seed_raw(url, n)
        progress(f"{kind}: {rows:,} rows seeded in {time.perf_counter() - t0:.1f} s")
        contents = ("readings_5m", "daily") if kind == "5m" else ("readings",)
        with psycopg.connect(url) as conn:
            create_project(
                conn,
                ProjectSpec(
                    name="bench",
                    purpose="benchmark",
                    approval_id="bench",
                    recipient="bench.researcher",
                    destroy_after=dt.date(2099, 1, 1),
                    contents=contents,
                    formats=("csv", "parquet"),
                    # k must be reachable by the smallest sizes used in smoke runs.
                    k=min(5, n),
                ),
                actor="bench",
                today=dt.date(2026, 12, 6),
            )
        out = tmp / f"{kind}-{n}"
        result = measure(url, out)
        manifest = json.loads((out / "manifest.json").read_text())
        out_rows = sum(f["rows"] for f in manifest["files"] if f["path"].startswith("csv/"))
        out_bytes = sum(f["bytes"] for f in manifest["files"])
        progress(
            f"{kind}: exported {out_rows:,} rows (csv) + parquet in {result['seconds']:.1f} s,"
            f" peak RSS {result['peak_rss_mib']:.0f} MiB"
        )
        return {
            "scenario": kind,
            "participants": n,
            "days": days,
            "source_rows": rows,
            "released_rows_per_format": out_rows,
            "output_mib": round(out_bytes / 2**20, 1),
            "seconds": round(result["seconds"], 2),
            "rows_per_s_per_format": round(out_rows / result["seconds"]),
            "peak_rss_mib": round(result["peak_rss_mib"], 1),
            "k_achieved": manifest["risk"]["k_achieved"],
        }
    finally:
        drop_database(server, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--participants-5m", default="500,1000", help="sizes (default 500,1000)")
    parser.add_argument("--days", type=int, default=14, help="days of aggregates (default 14)")
    parser.add_argument("--participants-raw", default="50,100", help="sizes (default 50,100)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory(prefix="wm-bench-export-") as tmp_name:
        tmp = Path(tmp_name)
        handle = None
        server = args.database_url
        if not server:
            server, handle = embedded.start(tmp / "pg")
        try:
            results = run_all(server, args, tmp)
        finally:
            if handle is not None:
                handle.cleanup()
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": results,
    }
    print(json.dumps(report, indent=2) if args.json else _table(results))


def run_all(server: str, args: argparse.Namespace, tmp: Path) -> list[dict[str, object]]:
    url = fresh_database(server)
    try:
        base = measure(url, tmp / "baseline", baseline=True)
    finally:
        drop_database(server, url)
    results: list[dict[str, object]] = [
        {"scenario": "baseline (import + connect)", "peak_rss_mib": round(base["peak_rss_mib"], 1)}
    ]
    for n in sorted(int(x) for x in args.participants_raw.split(",") if x):
        results.append(scenario(server, "raw", n, 1, tmp))
    for n in sorted(int(x) for x in args.participants_5m.split(",") if x):
        results.append(scenario(server, "5m", n, args.days, tmp))
    return results


def _table(results: list[dict[str, object]]) -> str:
    return "\n".join(json.dumps(r) for r in results)


if __name__ == "__main__":
    main()
