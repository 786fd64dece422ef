"""Detect which storage backend the server got: plain PostgreSQL or TimescaleDB.

docs/architecture.md "Storage": only DDL differs between the backends. TimescaleDB is detected from
``pg_available_extensions`` and its licence from the ``timescaledb.license`` setting; under
the Apache licence only hypertables are used (compression, continuous aggregates and
policies are Timescale-licensed features), so the app keeps its own ``readings_5m`` rollup.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import psycopg


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


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """The detected backend and the server version it runs on."""

    backend: Backend
    server_version: int

    @property
    def app_rollup(self) -> bool:
        """Whether the application maintains ``readings_5m`` itself."""
        return "approllup" in VARIANTS[self.backend]

    @property
    def partitions(self) -> bool:
        """Whether the application creates and drops daily partitions itself."""
        return self.backend is Backend.PLAIN


def backend_from_facts(*, timescale_available: bool, license_name: str | None) -> Backend:
    """Choose the backend from what the server reports (pure, so it is tested directly)."""
    if not timescale_available:
        return Backend.PLAIN
    if license_name == "timescale":
        return Backend.TIMESCALE_TSL
    return Backend.TIMESCALE_APACHE


def detect(conn: psycopg.Connection[tuple[object, ...]]) -> BackendInfo:
    """Detect the backend of a connected server (creates the extension when available)."""
    row = conn.execute(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    available = bool(row and row[0])
    license_name: str | None = None
    if available:
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        lic = conn.execute("SELECT current_setting('timescaledb.license', true)").fetchone()
        license_name = str(lic[0]) if lic and lic[0] else None
    version = conn.info.server_version
    return BackendInfo(
        backend_from_facts(timescale_available=available, license_name=license_name), version
    )
