"""``wearmon export create|run|list|destroy``: research exports, run by the custodian."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.db import migrate, pool
from ingest.export.dates import DatePolicy
from ingest.export.projects import (
    CONTENTS,
    FORMATS,
    QUASI_IDENTIFIERS,
    Project,
    ProjectSpec,
    create_project,
    destroy_project,
    list_projects,
)
from ingest.export.run import Progress, run_export
from wearmon.commands.common import add_database_flags, emit
from wearmon.database import database_url

#: Seconds between progress lines on stderr.
_PROGRESS_EVERY_S = 2.0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("export", help="pseudonymised research exports (custodian)")
    esub = parser.add_subparsers(dest="export_command", required=True, metavar="ACTION")

    c = esub.add_parser("create", help="create an export project (prints its key id)")
    c.add_argument("--name", required=True, help="project name, e.g. hrv-2027")
    c.add_argument("--purpose", required=True, help="stated purpose (recorded with every run)")
    c.add_argument("--approval-id", required=True, help="ethics/data review approval id")
    c.add_argument("--recipient", required=True, help="username of the researcher account")
    c.add_argument("--destroy-after", required=True, type=_date, help="YYYY-MM-DD")
    c.add_argument("--k", type=int, default=5, help="k-anonymity required (default 5)")
    c.add_argument("--l", type=int, help="distinct l-diversity of the alert profile, if wanted")
    c.add_argument(
        "--max-suppression",
        type=float,
        default=0.05,
        help="share of participants that may be suppressed (default 0.05)",
    )
    c.add_argument(
        "--quasi-identifiers",
        type=_list(QUASI_IDENTIFIERS),
        default=list(QUASI_IDENTIFIERS),
        help=f"released quasi-identifiers (default {','.join(QUASI_IDENTIFIERS)})",
    )
    c.add_argument(
        "--date-policy",
        choices=[p.value for p in DatePolicy],
        default=DatePolicy.SHIFT_WEEKS.value,
        help="whole-week shift per participant (default) or study-relative days",
    )
    c.add_argument(
        "--contents",
        type=_list(CONTENTS),
        default=["readings_5m", "daily", "cgm_metrics"],
        help=f"tables to release, from {','.join(CONTENTS)} (default readings_5m,daily,"
        "cgm_metrics)",
    )
    c.add_argument(
        "--format",
        dest="formats",
        type=_list(FORMATS),
        default=["csv"],
        help=f"output formats, from {','.join(FORMATS)} (default csv)",
    )
    c.add_argument("--study", help="only this study's participants (default: all)")
    c.set_defaults(run=run_create)

    r = esub.add_parser("run", help="extract, anonymise and write an export (prints the manifest)")
    r.add_argument("--name", required=True, help="project name")
    r.add_argument("--out", required=True, type=Path, help="new or empty output directory")
    r.set_defaults(run=run_run)

    ls = esub.add_parser("list", help="list export projects and their last run")
    ls.set_defaults(run=run_list)

    d = esub.add_parser("destroy", help="delete a project's key, offsets and files")
    d.add_argument("--name", required=True, help="project name")
    d.set_defaults(run=run_destroy)

    for sp in (c, r, ls, d):
        add_database_flags(sp)
        sp.add_argument("--json", action="store_true", help="print JSON")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _list(allowed: tuple[str, ...]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [i for i in items if i not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"{text!r}: {', '.join(bad) or 'nothing given'}; choose from {','.join(allowed)}"
            )
        return items

    return parse


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _describe(p: Project) -> dict[str, object]:
    return {
        "name": p.name,
        "purpose": p.purpose,
        "approval_id": p.approval_id,
        "recipient": p.recipient,
        "destroy_after": p.destroy_after.isoformat(),
        "k": p.k,
        "l": p.l,
        "quasi_identifiers": list(p.quasi_identifiers),
        "date_policy": p.date_policy.value,
        "contents": list(p.contents),
        "formats": list(p.formats),
        "key_id": str(p.key_id),
        "destroyed": p.destroyed_at is not None,
    }


def run_create(args: argparse.Namespace) -> int:
    spec = ProjectSpec(
        name=args.name,
        purpose=args.purpose,
        approval_id=args.approval_id,
        recipient=args.recipient,
        destroy_after=args.destroy_after,
        k=args.k,
        l=args.l,
        max_suppression=args.max_suppression,
        quasi_identifiers=args.quasi_identifiers,
        date_policy=DatePolicy(args.date_policy),
        contents=args.contents,
        formats=args.formats,
        study_id=args.study,
    )
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        project = create_project(conn, spec, actor=_actor(), today=dt.datetime.now(dt.UTC).date())
    emit(args, _describe(project), f"created export project {project.name} key_id {project.key_id}")
    return 0


def _progress() -> Progress:
    last = [0.0]

    def report(table: str, rows: int) -> None:
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY_S:
            last[0] = now
            sys.stderr.write(f"export: {table}: {rows:,} rows\n")

    return report


def run_run(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        result = run_export(
            conn,
            args.name,
            args.out,
            actor=_actor(),
            now=lambda: dt.datetime.now(dt.UTC),
            progress=_progress(),
        )
    risk = result.manifest["risk"]
    assert isinstance(risk, dict)
    emit(
        args,
        {"manifest": str(result.manifest_path), "run_id": str(result.run_id), "risk": risk},
        str(result.manifest_path),
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        projects = list_projects(conn)
    lines = [
        f"{p.name}\t{p.recipient}\t{p.approval_id}\tdestroy after {p.destroy_after}"
        + ("\tDESTROYED" if p.destroyed_at else "")
        for p in projects
    ]
    emit(args, {"projects": [_describe(p) for p in projects]}, "\n".join(lines) or "no projects")
    return 0


def run_destroy(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        dirs = destroy_project(conn, args.name, actor=_actor())
    removed = [d for d in dirs if _remove(Path(d))]
    emit(
        args,
        {"destroyed": args.name, "removed_dirs": removed},
        f"destroyed {args.name}: key and offsets deleted, {len(removed)} output dir(s) removed",
    )
    return 0


def _remove(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    shutil.rmtree(folder)
    return True
