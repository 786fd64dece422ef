"""Which storage backend a database gets: plain PostgreSQL or TimescaleDB.

Only DDL differs between the backends (docs/architecture.md "Storage"). TimescaleDB is
used only when it is *usable*: its library is preloaded (``shared_preload_libraries``),
without which ``CREATE EXTENSION timescaledb`` fails ("must be preloaded"). Installed
packages alone (``pg_available_extensions``) are not enough: that database gets plain
PostgreSQL, and the log says why and how to enable TimescaleDB.

The backend chosen at the first migration is recorded in ``schema_version`` and kept: a
database migrated as plain never gets TimescaleDB variants later because the extension
became available (moving plain tables to a hypertable is a separate, deliberate step;
docs/operations.md "TimescaleDB").

Under the Apache licence only hypertables are used (compression, continuous aggregates
and policies are Timescale-licensed features), so the app keeps its own ``readings_5m``.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import LiteralString

import psycopg

from ingest.errors import IngestError

log = logging.getLogger(__name__)


class Backend(enum.Enum):
    """What the readings table is built on."""

    PLAIN = "plain"
    TIMESCALE_APACHE = "timescaledb-apache"
    TIMESCALE_TSL = "timescaledb"


# Migration file variants each backend applies (see ingest/db/migrate.py).
VARIANTS: dict[Backend, frozenset[str]] = {
    Backend.PLAIN: frozenset({"plain", "approllup"}),
    Backend.TIMESCALE_APACHE: frozenset({"timescale", "approllup"}),
    Backend.TIMESCALE_TSL: frozenset({"timescale", "tsl"}),
}

ENABLE_HINT = (
    "to use TimescaleDB, add shared_preload_libraries = 'timescaledb' to postgresql.conf, "
    "restart PostgreSQL and migrate a new, empty database (docs/operations.md "
    '"TimescaleDB")'
)


class BackendError(IngestError):
    """The database needs a backend the server cannot provide now."""


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """The backend in use and the server version it runs on."""

    backend: Backend
    server_version: int
    reason: str = ""

    @property
    def app_rollup(self) -> bool:
        """Whether the application maintains ``readings_5m`` itself."""
        return "approllup" in VARIANTS[self.backend]

    @property
    def partitions(self) -> bool:
        """Whether the application creates and drops daily partitions itself."""
        return self.backend is Backend.PLAIN


@dataclass(frozen=True, slots=True)
class TimescaleFacts:
    """What the server says about TimescaleDB."""

    available: bool  # packages installed: listed in pg_available_extensions
    preloaded: bool  # library in shared_preload_libraries (required to use it)
    created: bool  # CREATE EXTENSION already ran in this database
    license: str | None  # timescaledb.license ("apache" | "timescale"), when loaded


@dataclass(frozen=True, slots=True)
class Decision:
    """The backend to use, whether the extension must be created first, and why."""

    backend: Backend
    create_extension: bool
    reason: str


def decide(facts: TimescaleFacts, recorded: Backend | None) -> Decision:
    """Choose the backend (pure, tested for every combination of facts).

    ``recorded`` is the backend of an already migrated database (None when new).
    """
    if recorded is not None:
        return _keep(facts, recorded)
    if facts.preloaded and (facts.available or facts.created):
        backend = _licensed(facts.license)
        return Decision(
            backend, not facts.created, f"TimescaleDB is preloaded ({backend.value} licence)"
        )
    if facts.created:
        return Decision(
            Backend.PLAIN,
            False,
            "the timescaledb extension exists in this database but its library is not "
            f"preloaded, so it cannot be used: plain PostgreSQL; {ENABLE_HINT}",
        )
    if facts.available:
        return Decision(
            Backend.PLAIN,
            False,
            f"TimescaleDB is installed but not preloaded: plain PostgreSQL; {ENABLE_HINT}",
        )
    return Decision(Backend.PLAIN, False, "TimescaleDB is not installed: plain PostgreSQL")


def _keep(facts: TimescaleFacts, recorded: Backend) -> Decision:
    if recorded is Backend.PLAIN:
        why = "migrated as plain PostgreSQL (kept"
        if facts.preloaded:
            why += "; TimescaleDB is now preloaded, but moving existing tables to a hypertable "
            why += 'is a deliberate step: docs/operations.md "TimescaleDB"'
        return Decision(recorded, False, why + ")")
    if not facts.preloaded:
        raise BackendError(
            f"this database was migrated for {recorded.value} but TimescaleDB is not "
            "preloaded on this server; add shared_preload_libraries = 'timescaledb' to "
            "postgresql.conf and restart PostgreSQL"
        )
    return Decision(recorded, not facts.created, f"migrated as {recorded.value} (kept)")


def _licensed(license_name: str | None) -> Backend:
    return Backend.TIMESCALE_TSL if license_name == "timescale" else Backend.TIMESCALE_APACHE


def preloaded_libraries(setting: str) -> set[str]:
    """Library names in a ``shared_preload_libraries`` value (pure).

    Entries are comma-separated, may be quoted and may carry a ``$libdir/`` path or a
    versioned file name (``timescaledb-2.28.3``); the name is what comes before a dash.
    """
    names = set()
    for entry in setting.split(","):
        name = entry.strip().strip('"').rsplit("/", 1)[-1]
        if name:
            names.add(name.split("-", 1)[0])
    return names


def read_facts(conn: psycopg.Connection[tuple[object, ...]]) -> TimescaleFacts:
    """Ask the server (reads only; nothing is created here)."""
    available = _exists(conn, "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
    created = _exists(conn, "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
    row = conn.execute("SHOW shared_preload_libraries").fetchone()
    preloaded = "timescaledb" in preloaded_libraries(str(row[0]) if row else "")
    license_name: str | None = None
    if preloaded:
        lic = conn.execute("SELECT current_setting('timescaledb.license', true)").fetchone()
        license_name = str(lic[0]) if lic and lic[0] else None
    return TimescaleFacts(available, preloaded, created, license_name)


def _exists(conn: psycopg.Connection[tuple[object, ...]], query: LiteralString) -> bool:
    return conn.execute(query).fetchone() is not None


def recorded_backend(conn: psycopg.Connection[tuple[object, ...]]) -> Backend | None:
    """The backend recorded at this database's first migration (None: not migrated)."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return None
    first = conn.execute("SELECT backend FROM schema_version ORDER BY version LIMIT 1").fetchone()
    return Backend(str(first[0])) if first else None


def detect(conn: psycopg.Connection[tuple[object, ...]]) -> BackendInfo:
    """Choose the backend of a connected database, creating the extension only when
    TimescaleDB is preloaded and chosen; log the choice and its reason."""
    facts, recorded = read_facts(conn), recorded_backend(conn)
    decision = decide(facts, recorded)
    if decision.create_extension:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        except psycopg.Error as exc:
            raise BackendError(
                f"TimescaleDB is preloaded but the extension could not be created "
                f"({str(exc).strip().splitlines()[0]}); run CREATE EXTENSION timescaledb "
                "as a superuser in this database, or remove it from "
                "shared_preload_libraries to use plain PostgreSQL"
            ) from None
    # Installed but unusable TimescaleDB is worth a warning: the operator may expect it.
    unusable = recorded is None and not facts.preloaded and (facts.available or facts.created)
    log.log(
        logging.WARNING if unusable else logging.INFO,
        "storage backend %s: %s",
        decision.backend.value,
        decision.reason,
    )
    return BackendInfo(decision.backend, conn.info.server_version, decision.reason)
