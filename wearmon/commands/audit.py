"""``wearmon audit verify|list``: the audit log's integrity, and what it says."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from typing import Any

from ingest.db import migrate, pool
from ingest.storage.audit_chain import list_audit, verify_chain
from wearmon.commands.common import add_database_flags, emit, parse_uuid
from wearmon.database import database_url

# Exit status of `audit verify` when the chain is broken: a finding, not a usage error
# (which exits 2).
BROKEN_EXIT = 1


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("audit", help="audit log: verify the hash chain, list rows")
    asub = parser.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    ver = asub.add_parser(
        "verify", help=f"recompute the hash chain; exit {BROKEN_EXIT} naming the first broken row"
    )
    ver.set_defaults(run=run_verify)
    lst = asub.add_parser("list", help="audit rows, oldest first (for the privacy officer)")
    lst.add_argument("--participant", type=parse_uuid, help="only rows naming this participant")
    lst.add_argument(
        "--since",
        type=_since,
        help="only rows at or after this time (ISO 8601; a date alone means 00:00 UTC)",
    )
    lst.add_argument("--limit", type=int, default=10_000, help="at most this many rows")
    lst.set_defaults(run=run_list)
    for sp in (ver, lst):
        add_database_flags(sp)
        sp.add_argument("--json", action="store_true", help="print JSON")


def _since(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2026-12-01 or 2026-12-01T09:00+09:00"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def run_verify(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        report = verify_chain(conn)
    payload: dict[str, object] = {"ok": report.ok, "rows": report.rows, "head": report.head.hex()}
    if not report.ok:
        payload.update(broken_row=report.broken_id, problem=report.problem)
        emit(args, payload, f"audit chain BROKEN after {report.rows - 1} good rows")
        sys.stderr.write(f"wearmon: error: {report.problem}\n")
        return BROKEN_EXIT
    emit(args, payload, f"audit chain intact: {report.rows} rows, head {report.head.hex()}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        rows = list_audit(conn, participant_id=args.participant, since=args.since, limit=args.limit)
    items = [{**dataclasses.asdict(r), "at": r.at.isoformat()} for r in rows]
    lines = [
        f"{r.audit_id:>7} {r.at.isoformat()} {r.actor:<20} {r.role:<10} {r.action:<12}"
        f" {r.resource} {r.outcome}"
        for r in rows
    ]
    emit(args, {"items": items}, "\n".join(lines) if lines else "no audit rows match")
    return 0
