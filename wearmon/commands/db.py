"""``wearmon db upgrade``: apply the schema migrations."""

from __future__ import annotations

import argparse
from typing import Any

from ingest.db import migrate, pool
from wearmon.commands.common import add_database_flags, emit
from wearmon.database import database_url


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("db", help="database schema")
    dbsub = parser.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    up = dbsub.add_parser("upgrade", help="apply pending migrations (safe to run twice)")
    add_database_flags(up)
    up.add_argument("--json", action="store_true", help="print JSON")
    up.set_defaults(run=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        info, applied = migrate.upgrade(conn)
    emit(
        args,
        {"backend": info.backend.value, "reason": info.reason, "applied": applied},
        f"schema up to date on {info.backend.value} (applied now: {applied or 'nothing'})\n"
        f"backend: {info.reason}",
    )
    return 0
