"""``wearmon demo``: the pilot on one machine with a virtual cohort (see wearmon.demo)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ingest.auth.passwords import WeakPasswordError
from ingest.db import embedded
from ingest.db.preflight import check_database
from wearmon.commands.common import add_database_flags, require_free_port
from wearmon.demo.clinician import checked_password
from wearmon.demo.lock import data_dir_lock
from wearmon.demo.runner import DemoOptions, run_demo
from wearmon.errors import ChildExitedError, UsageError

_DEMO_DB = "wearmon_demo"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run the pilot with a virtual cohort (embedded database, API, simulated wearables)",
        description="Start the embedded PostgreSQL, the API and a virtual cohort whose "
        "wearables are simulated BLE peripherals read by the real gateway code. The demo "
        "database is created afresh on every run.",
    )
    p.add_argument("--participants", type=int, default=20, help="cohort size (default 20)")
    p.add_argument(
        "--history-days",
        type=float,
        default=1.0,
        help="days of history back-filled first through the upload path (default 1)",
    )
    p.add_argument(
        "--minutes", type=float, help="stop after this many minutes (default: run until Ctrl-C)"
    )
    p.add_argument("--host", default="127.0.0.1", help="API listen address")
    p.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    p.add_argument(
        "--manifest",
        type=Path,
        help="write the cohort (ids, scenario, devices) "
        "as JSON here (default: DATA_DIR/demo-manifest.json)",
    )
    p.add_argument("--seed", type=int, default=2026, help="cohort seed (default 2026)")
    p.add_argument(
        "--progress-s",
        type=float,
        default=15.0,
        help="seconds between progress reports (default 15)",
    )
    p.add_argument(
        "--clinician-password-stdin",
        action="store_true",
        help="read the demo clinician's password from the first line of stdin "
        "(default: generate one and print it)",
    )
    add_database_flags(p)
    p.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    if not 1 <= args.participants <= 500:
        raise UsageError(f"--participants {args.participants}: expected 1-500")
    if not 0 <= args.history_days <= 30:
        raise UsageError(
            f"--history-days {args.history_days:g}: expected 0-30 (the CGM "
            "holds at most 45 days and the API accepts at most the buffer window)"
        )
    if args.minutes is not None and args.minutes <= 0:
        raise UsageError(f"--minutes {args.minutes:g}: expected a positive number")
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 1-65535")


def _clinician_password(args: argparse.Namespace) -> str | None:
    if not args.clinician_password_stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        return checked_password(password)
    except WeakPasswordError as exc:
        raise UsageError(f"--clinician-password-stdin: {exc}") from None


def run(args: argparse.Namespace) -> int:
    _check(args)
    password = _clinician_password(args)
    work_dir: Path = (args.data_dir or embedded.default_data_dir()).expanduser().absolute()
    # Lock, then port: both before the database is touched, so a second demo on a
    # running one's data directory (or port) changes nothing.
    with data_dir_lock(work_dir, f"http://{args.host}:{args.port}"):
        require_free_port(args.host, args.port)
        started = time.monotonic()
        stopped_by: list[str] = []
        with _database(args.database_url, work_dir) as url:
            options = DemoOptions(
                participants=args.participants,
                history_days=args.history_days,
                minutes=args.minutes,
                host=args.host,
                port=args.port,
                work_dir=work_dir,
                manifest=args.manifest or work_dir / "demo-manifest.json",
                seed=args.seed,
                progress_s=args.progress_s,
                clinician_password=password,
            )
            failed: ChildExitedError | None = None
            try:
                asyncio.run(_until_stopped(options, url, stopped_by))
            except ChildExitedError as exc:
                failed = exc
                stopped_by.append("the API server stopped")
            finally:
                # From here on only cleanup runs (API child, PostgreSQL): a further
                # Ctrl-C or SIGTERM must not cut it short with a traceback.
                _ignore_stop_signals()
            _say(_summary(url, work_dir, time.monotonic() - started, stopped_by))
    if failed is not None:
        sys.stderr.write(f"wearmon: error: {failed}\n")
        return failed.exit_code
    return 130 if stopped_by == [_CTRL_C] else 0


_CTRL_C = "Ctrl-C"


async def _until_stopped(options: DemoOptions, url: str, stopped_by: list[str]) -> None:
    """Run the demo; Ctrl-C and SIGTERM (plain kill, systemd) both stop it cleanly, and
    only the first of them counts."""
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()

    def stop(name: str) -> None:
        if stopped_by:
            return  # already stopping: a second Ctrl-C is quiet
        stopped_by.append(name)
        _say(f"\n{name}: stopping the demo (gateways, API, database); please wait ...")
        main.cancel()

    for sig, name in ((signal.SIGINT, _CTRL_C), (signal.SIGTERM, "SIGTERM")):
        loop.add_signal_handler(sig, stop, name)
    try:
        await run_demo(options, url)
    except asyncio.CancelledError:
        if not stopped_by:
            raise


def _ignore_stop_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def _summary(url: str, work_dir: Path, elapsed_s: float, stopped_by: list[str]) -> str:
    why = f"{stopped_by[0]}" if stopped_by else "time is up"
    head = f"demo stopped ({why}) after {elapsed_s / 60:.1f} min"
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT participant_id) FROM readings"
            ).fetchone()
    except psycopg.Error:
        return f"{head}; data in {work_dir}"
    readings, participants = row if row else (0, 0)
    return (
        f"{head}: {readings:,} readings stored for {participants} participants; the "
        f"database stays in {work_dir} until the next demo there"
    )


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def _database(url: str | None, work_dir: Path) -> Iterator[str]:
    """The given database, or a fresh demo database in the embedded server."""
    if url:
        check_database(url)  # "cannot connect ..." rather than a traceback mid-start
        yield url
        return
    server_url, handle = embedded.start(work_dir)
    try:
        with psycopg.connect(server_url, autocommit=True) as admin:
            name = sql.Identifier(_DEMO_DB)
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
        info = psycopg.conninfo.conninfo_to_dict(server_url)
        info["dbname"] = _DEMO_DB
        yield psycopg.conninfo.make_conninfo("", **info)
    finally:
        handle.cleanup()
