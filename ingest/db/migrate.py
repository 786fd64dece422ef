"""Versioned SQL migrations, recorded in ``schema_version``; applying twice changes nothing.

Files live in ``ingest/migrations`` as ``NNNN_name.sql`` (every backend) or
``NNNN_name.<variant>.sql`` (only backends whose variant set contains ``variant``; see
``ingest.db.backend.VARIANTS``). Each version is applied in its own transaction under an
advisory lock, so two servers starting at once do not race.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from ingest.db.backend import VARIANTS, BackendInfo, detect
from ingest.errors import IngestError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)(?:\.(?P<variant>[a-z]+))?\.sql$")
# Any constant works; it only has to be the same for every wearmon server.
_LOCK_ID = 0x7765_6172  # "wear"


class MigrationError(IngestError):
    """The migration files or the recorded schema version are inconsistent."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file to apply."""

    version: int
    name: str
    sql: str


def select_migrations(filenames: dict[str, str], variants: frozenset[str]) -> list[Migration]:
    """Pick, for each version, the file that applies to ``variants`` (pure)."""
    chosen: dict[int, Migration] = {}
    for filename, sql in sorted(filenames.items()):
        m = _NAME.match(filename)
        if m is None:
            raise MigrationError(
                f"migration file {filename!r} is not named NNNN_name[.variant].sql"
            )
        variant = m["variant"]
        if variant is not None and variant not in variants:
            continue
        version = int(m["version"])
        if version in chosen:
            raise MigrationError(
                f"two migration files apply for version {version}: "
                f"{chosen[version].name!r} and {m['name']!r}"
            )
        chosen[version] = Migration(version, m["name"], sql)
    return [chosen[v] for v in sorted(chosen)]


def _packaged_files() -> dict[str, str]:
    folder = resources.files("ingest") / "migrations"
    return {
        f.name: f.read_text(encoding="utf-8") for f in folder.iterdir() if f.name.endswith(".sql")
    }


def upgrade(conn: psycopg.Connection[tuple[object, ...]]) -> tuple[BackendInfo, list[int]]:
    """Apply every pending migration; return the backend and the versions applied now.

    ``conn`` must not be inside a transaction; it is left in autocommit mode.
    """
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise MigrationError(
            "migrations need a connection outside any transaction; commit or roll back first"
        )
    conn.autocommit = True
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
    try:
        info = detect(conn)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version integer PRIMARY KEY, name text NOT NULL, backend text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {int(str(r[0])) for r in conn.execute("SELECT version FROM schema_version")}
        applied: list[int] = []
        for mig in select_migrations(_packaged_files(), VARIANTS[info.backend]):
            if mig.version in done:
                continue
            with conn.transaction():
                conn.execute(mig.sql.encode())
                conn.execute(
                    "INSERT INTO schema_version (version, name, backend) VALUES (%s, %s, %s)",
                    (mig.version, mig.name, info.backend.value),
                )
            log.info("applied migration %04d_%s (%s)", mig.version, mig.name, info.backend.value)
            applied.append(mig.version)
        return info, applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
