"""Connections: the async pool the API uses and the plain connection the CLI uses."""

from __future__ import annotations

import logging

import psycopg
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

APP_ROLE = "wearmon_app"

# A per-connection staging table for exactly-once ingestion (docs/architecture.md "Storage": COPY
# into a temporary staging table, then INSERT ... ON CONFLICT DO NOTHING). Created once
# per connection rather than per batch to avoid catalog churn; emptied at each commit.
STAGING_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS staging_readings ("
    " device_id uuid, metric text, measured_at timestamptz, participant_id uuid,"
    " value double precision, unit text, flags smallint) ON COMMIT DELETE ROWS"
)


async def _configure(conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
    await conn.set_autocommit(True)
    try:
        await conn.execute(f"SET ROLE {APP_ROLE}")
    except psycopg.errors.InsufficientPrivilege:
        # The connecting user is not a member of the app role (a managed server where the
        # migrations ran under another account). The audit log's triggers still refuse
        # UPDATE and DELETE; say so once per connection rather than failing to start.
        log.warning("cannot SET ROLE %s; working as the connecting user", APP_ROLE)
    await conn.execute(STAGING_DDL)
    await conn.set_autocommit(False)


def open_pool(
    url: str, size: int
) -> AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]]:
    """An async pool whose connections work as the application role (not yet opened)."""
    return AsyncConnectionPool(
        url, min_size=1, max_size=size, configure=_configure, open=False, name="wearmon"
    )


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A plain connection as the connecting user (migrations, enrolment, maintenance)."""
    return psycopg.connect(url)
