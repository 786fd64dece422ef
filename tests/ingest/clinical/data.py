"""Readings and alerts for the clinical API tests, stored through the real ingest path."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import psycopg

from ingest.db.pool import STAGING_DDL
from ingest.flags import FLAG_BITS
from ingest.storage.readings import StagedRow, store_readings_sync

UNITS = {"heart_rate": "/min", "rr_interval": "ms", "glucose": "mg/dL", "battery": "%"}


def store(
    url: str,
    device: uuid.UUID,
    participant: uuid.UUID,
    metric: str,
    points: Sequence[tuple[dt.datetime, float | None]],
    flags: Sequence[str] = (),
) -> int:
    """Store readings as the API would (COPY, ON CONFLICT, 5-min rollup, triggers)."""
    bits = 0
    for name in flags:
        bits |= FLAG_BITS[name]
    rows: list[StagedRow] = [
        (device, metric, t, participant, v, UNITS[metric], bits) for t, v in points
    ]
    with psycopg.connect(url) as conn:
        conn.execute(STAGING_DDL)
        n = store_readings_sync(conn, rows, app_rollup=True)
        conn.commit()
    return n


def every(start: dt.datetime, step: dt.timedelta, n: int) -> list[dt.datetime]:
    return [start + i * step for i in range(n)]


def add_alert(
    url: str,
    participant: uuid.UUID,
    rule_id: str,
    kind: str,
    priority: str,
    state: str = "OPEN",
) -> uuid.UUID:
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "INSERT INTO alerts (participant_id, rule_id, rule_version, kind, priority, state,"
            " first_seen, last_seen, tracking) VALUES (%s, %s, '1', %s, %s, %s, %s, %s, %s)"
            " RETURNING alert_id",
            (participant, rule_id, kind, priority, state, now, now, state != "RESOLVED"),
        ).fetchone()
        conn.commit()
    assert row is not None
    return uuid.UUID(str(row[0]))
