"""Storage upkeep the app owns on plain PostgreSQL: partitions ahead, retention behind."""

from __future__ import annotations

import datetime as dt
import logging
import math

import psycopg

from ingest.db import partitions
from ingest.db.backend import Backend, BackendInfo
from ingest.settings import ServerSettings

log = logging.getLogger(__name__)


def run_once(
    conn: psycopg.Connection[tuple[object, ...]],
    info: BackendInfo,
    settings: ServerSettings,
    now: dt.datetime,
) -> None:
    """Create the partitions readings may need, drop those past retention, and forget
    batch keys no gateway can still retry."""
    conn.autocommit = True
    prune_batch_keys(conn, now, settings.buffer_window_days)
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
    elif info.backend is Backend.TIMESCALE_TSL:
        conn.execute(
            "SELECT add_retention_policy('readings', %s::interval, if_not_exists => true)",
            (f"{settings.retention_days} days",),
        )
    else:
        # Apache licence: no policies, but drop_chunks is part of the Apache-licensed core.
        conn.execute(
            "SELECT drop_chunks('readings', older_than => %s::interval)",
            (f"{settings.retention_days} days",),
        )


def batch_keys_horizon(now: dt.datetime, buffer_window_days: float) -> dt.datetime:
    """Batch keys received before this can be forgotten (pure).

    A gateway retries a batch at most until its readings leave the buffer window (they
    would be rejected after that), so a key older than twice the window cannot be
    retried any more. A late replay would still store nothing twice: readings are unique
    by device, metric and time; it would only count as duplicates, not as a replay.
    """
    return now - dt.timedelta(days=2 * buffer_window_days)


def prune_batch_keys(
    conn: psycopg.Connection[tuple[object, ...]], now: dt.datetime, buffer_window_days: float
) -> int:
    """Delete batch keys past ``batch_keys_horizon``; return how many."""
    cur = conn.execute(
        "DELETE FROM ingest_batches WHERE received_at < %s",
        (batch_keys_horizon(now, buffer_window_days),),
    )
    if cur.rowcount:
        log.info("forgot %d batch keys older than twice the buffer window", cur.rowcount)
    return cur.rowcount
