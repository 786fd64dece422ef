"""``wearmon rules dry-run``: the alerts a threshold change would have raised, before it is on."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from typing import Any

from ingest.alerts.dryrun import DryRunError, dry_run
from ingest.alerts.thresholds import ThresholdChangeError, parse_assignments
from ingest.db import pool
from wearmon.commands.common import add_database_flags
from wearmon.database import database_url
from wearmon.errors import UsageError


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a participant id (UUID): {text!r}") from exc


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("rules", help="alert rules: replay a change over stored history")
    rsub = parser.add_subparsers(dest="rules_command", required=True, metavar="COMMAND")
    d = rsub.add_parser(
        "dry-run",
        help="replay the participant's history with changed thresholds; writes nothing",
    )
    d.add_argument("--participant", required=True, type=_uuid, help="participant_id")
    d.add_argument("--days", type=float, default=14.0, help="days of history (default 14)")
    d.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        metavar="RULE.PARAM=VALUE",
        help="proposed threshold, e.g. tachycardia.medium_bpm=110 (repeat for several)",
    )
    add_database_flags(d)
    d.add_argument("--json", action="store_true", help="print JSON")
    d.set_defaults(run=run_dry_run)


def run_dry_run(args: argparse.Namespace) -> int:
    try:
        changes = parse_assignments(args.changes)
        with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
            report = dry_run(conn, args.participant, args.days, changes, dt.datetime.now(dt.UTC))
    except (DryRunError, ThresholdChangeError) as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
        return 0
    current, proposed = report["current"]["alerts_by_rule"], report["proposed"]["alerts_by_rule"]
    lines = [f"participant {report['participant_id']}: {report['from']} .. {report['to']}"]
    for rule in sorted(set(current) | set(proposed)):
        lines.append(
            f"  {rule:16s} current {current.get(rule, 0):3d}  proposed {proposed.get(rule, 0):3d}"
        )
    if len(lines) == 1:
        lines.append("  no alerts either way")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
