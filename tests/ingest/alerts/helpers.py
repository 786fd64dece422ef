"""Builders for the alert-engine tests: a simulated clock and readings stored as ingestion does."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from ingest.alerts import queue
from ingest.db.pool import STAGING_DDL
from ingest.flags import FLAG_BITS
from ingest.storage.readings import StagedRow, store_readings_sync
from tests.ingest.conftest import Home

LOW = "LOW"
HIGH = "HIGH"


@dataclass
class SimClock:
    """An injectable clock that only moves when told to."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def start_of_real_minute() -> dt.datetime:
    """Now, on a 5-minute boundary (so CGM readings sit on the 5-minute grid)."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return now - dt.timedelta(minutes=now.minute % 5)


def store(url: str, rows: Sequence[StagedRow]) -> int:
    """Store readings and enqueue their participants exactly as ingestion does."""
    with psycopg.connect(url) as conn:
        conn.execute(STAGING_DDL)
        with conn.transaction():
            n = store_readings_sync(conn, rows, app_rollup=False)
            if n:
                queue.enqueue_sync(conn, queue.pending_bits((r[3], r[1]) for r in rows))
    return n


def cgm_rows(home: Home, start: dt.datetime, values: Sequence[float | str]) -> list[StagedRow]:
    """One CGM reading every 5 min from ``start``; ``LOW``/``HIGH`` stored censored."""
    rows: list[StagedRow] = []
    for i, v in enumerate(values):
        at = start + dt.timedelta(minutes=5 * i)
        if v == LOW:
            rows.append(
                (
                    home.cgm_device,
                    "glucose",
                    at,
                    home.participant_id,
                    None,
                    "mg/dL",
                    FLAG_BITS["censored_low"],
                )
            )
        elif v == HIGH:
            rows.append(
                (
                    home.cgm_device,
                    "glucose",
                    at,
                    home.participant_id,
                    None,
                    "mg/dL",
                    FLAG_BITS["censored_high"],
                )
            )
        else:
            rows.append((home.cgm_device, "glucose", at, home.participant_id, float(v), "mg/dL", 0))
    return rows


def hr_rows(home: Home, start: dt.datetime, seconds: int, bpm: float) -> list[StagedRow]:
    """Heart rate at 1 Hz and matching RR intervals for ``seconds`` from ``start``."""
    rows: list[StagedRow] = []
    for i in range(seconds):
        at = start + dt.timedelta(seconds=i)
        rows.append((home.hr_device, "heart_rate", at, home.participant_id, bpm, "/min", 0))
    rr_ms = 60000.0 / bpm
    t = 0.0
    while t < seconds:
        t += rr_ms / 1000.0
        at = start + dt.timedelta(seconds=t)
        rows.append((home.hr_device, "rr_interval", at, home.participant_id, rr_ms, "ms", 0))
    return rows


def alerts_of(url: str, pid: uuid.UUID, rule_id: str | None = None) -> list[dict[str, Any]]:
    """The participant's alerts as dicts, oldest first."""
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            "SELECT * FROM alerts WHERE participant_id = %s AND (%s::text IS NULL OR rule_id = %s)"
            " ORDER BY created_at, first_seen",
            (pid, rule_id, rule_id),
        )
        return list(cur.fetchall())


def heartbeat(
    url: str, home: Home, at: dt.datetime, ble_seen: dict[uuid.UUID, dt.datetime]
) -> None:
    """Record a gateway heartbeat received at ``at`` listing BLE sightings."""
    body = {
        "gateway_id": str(home.gateway_id),
        "devices": [
            {"device_id": str(d), "last_seen_at": t.isoformat(), "battery_percent": 80}
            for d, t in ble_seen.items()
        ],
    }
    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE gateways SET last_heartbeat_at = %s, last_heartbeat = %s WHERE gateway_id = %s",
            (at, psycopg.types.json.Jsonb(body), home.gateway_id),
        )
