"""Flags and output shared by the subcommands."""

from __future__ import annotations

import argparse
import getpass
import json
import socket
import sys
import uuid
from pathlib import Path

from wearmon.errors import UsageError


def add_database_flags(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` or ``--data-dir`` (embedded PostgreSQL), as every command takes."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--database-url",
        metavar="URL",
        help="PostgreSQL URL (default: $DATABASE_URL, else the embedded server)",
    )
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="embedded PostgreSQL data directory (default: the user data dir; "
        "/tmp/wearmon-data as root)",
    )


def emit(args: argparse.Namespace, payload: dict[str, object], human: str) -> None:
    """Print JSON with --json, else one human line."""
    sys.stdout.write((json.dumps(payload) if getattr(args, "json", False) else human) + "\n")


def parse_uuid(text: str) -> uuid.UUID:
    """An argparse type for ids printed at enrolment."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an id (a UUID as printed at enrolment)"
        ) from None


def cli_actor() -> str:
    """Who a command's audit rows name: the operating-system user running it."""
    return f"cli:{getpass.getuser()}"


def require_free_port(host: str, port: int) -> None:
    """UsageError naming the port if something already listens on ``host:port``."""
    try:
        # As uvicorn binds (SO_REUSEADDR), so a port in TIME_WAIT is not reported busy.
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise UsageError(
            f"port {port} on {host} is not free ({exc.strerror or exc}); another wearmon "
            "serve or demo may be running there. Stop it or pass --port with a free port"
        ) from None
