"""A participant's week in plain numbers (their home page): wear time, time in range,
and whether the care team has seen their last check-in."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

import psycopg

from analytics.clinical_constants import HIGH_MG_DL, LOW_MG_DL
from ingest.flags import FLAG_BITS

AsyncConn = psycopg.AsyncConnection[tuple[object, ...]]

WEEK: Final = dt.timedelta(days=7)
# Wear time counts the 5-minute buckets of the rollup that hold heart-rate data.
_BUCKET_H: Final = 5.0 / 60.0
_CENSORED: Final = FLAG_BITS["censored_low"] | FLAG_BITS["censored_high"]


@dataclass(frozen=True, slots=True)
class Week:
    participant_id: uuid.UUID
    display_name: str | None
    wear_time_hours_7d: float
    time_in_range_pct_7d: float | None
    last_checkin_at: dt.datetime | None
    last_checkin_seen: bool


async def week_summary(conn: AsyncConn, pid: uuid.UUID, now: dt.datetime) -> Week | None:
    """The week up to ``now`` (None if the participant does not exist)."""
    cur = await conn.execute(
        "SELECT coalesce(i.preferred_name, a.display_name)"
        " FROM participants p LEFT JOIN participant_identity i USING (participant_id)"
        " LEFT JOIN accounts a ON a.participant_id = p.participant_id AND a.role = 'participant'"
        "   AND a.disabled_at IS NULL"
        " WHERE p.participant_id = %s ORDER BY a.created_at LIMIT 1",
        (pid,),
    )
    who = await cur.fetchone()
    if who is None:
        return None
    since = now - WEEK
    cur = await conn.execute(
        "SELECT count(*) FROM readings_5m WHERE participant_id = %s AND metric = 'heart_rate'"
        " AND bucket >= %s AND bucket < %s",
        (pid, since, now),
    )
    buckets = await cur.fetchone()
    # Time in range, Battelino 2019: share of CGM readings within 70-180 mg/dL; sensor
    # LOW/HIGH (censored, no value) readings are out of range.
    cur = await conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE value BETWEEN %s AND %s AND flags & %s = 0)"
        " FROM readings WHERE participant_id = %s AND metric = 'glucose'"
        " AND measured_at >= %s AND measured_at < %s",
        (LOW_MG_DL, HIGH_MG_DL, _CENSORED, pid, since, now),
    )
    glucose = await cur.fetchone()
    cur = await conn.execute(
        "SELECT completed_at, seen_at IS NOT NULL FROM checkins WHERE participant_id = %s"
        " ORDER BY completed_at DESC LIMIT 1",
        (pid,),
    )
    last = await cur.fetchone()
    total = int(str(glucose[0])) if glucose else 0
    in_range = int(str(glucose[1])) if glucose else 0
    last_at = last[0] if last else None
    return Week(
        participant_id=pid,
        display_name=None if who[0] is None else str(who[0]),
        wear_time_hours_7d=round(int(str(buckets[0] if buckets else 0)) * _BUCKET_H, 1),
        time_in_range_pct_7d=round(100.0 * in_range / total, 1) if total else None,
        last_checkin_at=last_at if isinstance(last_at, dt.datetime) else None,
        last_checkin_seen=bool(last[1]) if last else False,
    )


async def mark_checkins_seen(
    conn: AsyncConn, pid: uuid.UUID, account_id: uuid.UUID, now: dt.datetime
) -> None:
    """A clinician of the care team read the participant's page: their check-ins are seen."""
    await conn.execute(
        "UPDATE checkins SET seen_at = %s, seen_by = %s"
        " WHERE participant_id = %s AND seen_at IS NULL",
        (now, account_id, pid),
    )


@dataclass(frozen=True, slots=True)
class CheckinRow:
    """One check-in's result for the care team's score trend."""

    completed_at: dt.datetime
    instrument: str
    instrument_version: str
    score: int | None
    cutoff: int | None
    positive: bool | None
    scoring: str
    risk: bool


#: How far back the participant page lists check-ins (a year of weekly screens).
HISTORY: Final = dt.timedelta(days=366)


async def checkin_history(conn: AsyncConn, pid: uuid.UUID, now: dt.datetime) -> list[CheckinRow]:
    """The participant's check-ins of the last year, oldest first."""
    cur = await conn.execute(
        "SELECT completed_at, instrument, instrument_version, score, cutoff, positive,"
        " prorated, risk FROM checkins WHERE participant_id = %s AND completed_at >= %s"
        " ORDER BY completed_at",
        (pid, now - HISTORY),
    )
    out = []
    for r in await cur.fetchall():
        score = None if r[3] is None else int(str(r[3]))
        completed = r[0]
        assert isinstance(completed, dt.datetime)
        out.append(
            CheckinRow(
                completed,
                str(r[1]),
                str(r[2]),
                score,
                None if r[4] is None else int(str(r[4])),
                None if r[5] is None else bool(r[5]),
                "incomplete" if score is None else "prorated" if r[6] else "complete",
                bool(r[7]),
            )
        )
    return out
