"""Storage upkeep the app owns on plain PostgreSQL: partitions ahead, retention behind."""

from __future__ import annotations

import datetime as dt
import logging
import math

import psycopg

from ingest.db import partitions
from ingest.db.backend import BackendInfo
from ingest.settings import ServerSettings

log = logging.getLogger(__name__)


def run_once(
    conn: psycopg.Connection[tuple[object, ...]],
    info: BackendInfo,
    settings: ServerSettings,
    now: dt.datetime,
) -> None:
    """Create the partitions readings may need and drop those past retention."""
    conn.autocommit = True
    if info.partitions:
        today = now.astimezone(dt.UTC).date()
        # One extra day behind the buffer window: a reading at its oldest edge may fall on
        # the UTC day before.
        behind = math.ceil(settings.buffer_window_days) + 1
        partitions.ensure_partitions(
            conn,
            partitions.days_to_cover(
                today, behind_days=behind, ahead_days=settings.partitions_ahead_days
            ),
        )
        partitions.drop_partitions_before(conn, today - dt.timedelta(days=settings.retention_days))
    elif info.backend.value == "timescaledb":
        conn.execute(
            "SELECT add_retention_policy('readings', %s::interval, if_not_exists => true)",
            (f"{settings.retention_days} days",),
        )
