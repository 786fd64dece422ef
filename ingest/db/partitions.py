"""Daily range partitions of ``readings`` on plain PostgreSQL (docs/architecture.md "Storage").

The app creates partitions ahead of time, covering the whole gateway buffer window behind
now (late back-fill) and a few days ahead; retention drops whole partitions. A row that
still lands in ``readings_default`` (a partition was missing) is moved into the new
partition when that partition is created, so nothing is ever lost or refused.
"""

from __future__ import annotations

import datetime as dt
import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

UTC = dt.UTC


def partition_name(day: dt.date) -> str:
    """Name of the partition holding ``day`` (UTC), e.g. ``readings_20261122``."""
    return f"readings_{day:%Y%m%d}"


def days_to_cover(today: dt.date, *, behind_days: int, ahead_days: int) -> list[dt.date]:
    """The UTC days whose partitions must exist (pure)."""
    return [today + dt.timedelta(days=k) for k in range(-behind_days, ahead_days + 1)]


def existing_partition_days(conn: psycopg.Connection[tuple[object, ...]]) -> set[dt.date]:
    """Days for which a daily partition exists."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'readings'::regclass AND c.relname ~ '^readings_[0-9]{8}$'"
    ).fetchall()
    return {dt.datetime.strptime(str(r[0])[9:], "%Y%m%d").replace(tzinfo=UTC).date() for r in rows}


def ensure_partitions(conn: psycopg.Connection[tuple[object, ...]], days: list[dt.date]) -> int:
    """Create the missing daily partitions among ``days``; return how many were created."""
    missing = sorted(set(days) - existing_partition_days(conn))
    for day in missing:
        _create_partition(conn, day)
    if missing:
        log.info("created %d readings partitions (%s .. %s)", len(missing), missing[0], missing[-1])
    return len(missing)


def _create_partition(conn: psycopg.Connection[tuple[object, ...]], day: dt.date) -> None:
    start = dt.datetime.combine(day, dt.time(), tzinfo=UTC)
    end = start + dt.timedelta(days=1)
    name = sql.Identifier(partition_name(day))
    with conn.transaction():
        # Rows that fell into the default partition for this day block the new partition:
        # move them out first, then back in through the parent (same transaction).
        conn.execute(
            "CREATE TEMP TABLE _moved ON COMMIT DROP AS WITH m AS ("
            " DELETE FROM readings_default WHERE measured_at >= %s AND measured_at < %s"
            " RETURNING *) SELECT * FROM m",
            (start, end),
        )
        conn.execute(
            sql.SQL("CREATE TABLE {} PARTITION OF readings FOR VALUES FROM ({}) TO ({})").format(
                name, sql.Literal(start), sql.Literal(end)
            )
        )
        conn.execute("INSERT INTO readings SELECT * FROM _moved")


def drop_partitions_before(conn: psycopg.Connection[tuple[object, ...]], cutoff: dt.date) -> int:
    """Retention: drop daily partitions whose whole day is before ``cutoff``."""
    old = sorted(d for d in existing_partition_days(conn) if d < cutoff)
    for day in old:
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(partition_name(day))))
    if old:
        log.info("retention dropped %d readings partitions before %s", len(old), cutoff)
    return len(old)
