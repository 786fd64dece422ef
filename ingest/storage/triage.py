"""The triage list: a clinician's participants, most urgent first, in one set-based query.

Order (docs/clinical.md "Triage"): highest unresolved alert priority (HIGH > MEDIUM > LOW >
none; at equal priority a physiological alert ranks before a wellbeing (check-in) one and
that before a technical one, since a person's state outranks a device's), then the share
of CGM readings below 54 mg/dL over 14 days (descending), then CGM data sufficiency
(ascending: least data first).

AF burden comes from the ``af_burden`` alerts (the worker's per-beat AF detector over its
1-hour look-back, stored as each alert's worst value): the highest hourly share over the
last 24 h, so the list never runs AF detection over a day of beats per participant.

Everything comes from indexed tallies: ``cgm_days`` (14 rows per participant),
``stream_hours`` (24 rows of heart-rate buckets for wear time), ``readings_5m`` (the
newest bucket per stream) and ``alerts``; nothing loops over participants in Python.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import psycopg

from analytics.clinical_constants import REPORT_MIN_ACTIVE_PERCENT, REPORT_PERIOD_DAYS
from analytics.rules.params import RuleId

AsyncConn = psycopg.AsyncConnection[tuple[object, ...]]

# The 14-day report period and its 70 % sufficiency floor (Battelino et al. 2019), from
# their one home in analytics.clinical_constants.
CGM_DAYS = REPORT_PERIOD_DAYS
# Wear time covers the current hour and the 23 before it (stream_hours is hourly).
WEAR_HOURS = 24
# AF burden: the af_burden alerts seen in the last 24 h (a day, like the page's summary).
AF_HOURS = 24
BUCKET = dt.timedelta(minutes=5)

PRIORITIES = ("HIGH", "MEDIUM", "LOW")
KINDS = ("physiological", "technical", "wellbeing")

_TRIAGE = """
WITH mine AS (
    SELECT DISTINCT tp.participant_id
    FROM team_members tm JOIN team_participants tp USING (team_id)
    WHERE tm.account_id = %(account)s
),
cgm AS (
    SELECT participant_id, sum(readings) AS n, sum(buckets) AS buckets,
           sum(below_54) AS b54, sum(below_70) AS b70, sum(in_range) AS tir
    FROM cgm_days
    WHERE participant_id IN (SELECT participant_id FROM mine) AND day >= %(first_day)s
    GROUP BY participant_id
),
open_alerts AS (
    SELECT participant_id, kind, priority, count(*) AS n,
           count(*) FILTER (WHERE state = 'OPEN') AS unacknowledged
    FROM alerts
    WHERE state <> 'RESOLVED' AND participant_id IN (SELECT participant_id FROM mine)
    GROUP BY participant_id, kind, priority
),
al AS (
    SELECT participant_id,
           jsonb_object_agg(kind || ':' || priority, n) AS counts,
           sum(unacknowledged) AS unacknowledged,
           max(CASE priority WHEN 'HIGH' THEN 9 WHEN 'MEDIUM' THEN 6 ELSE 3 END
               + CASE kind WHEN 'physiological' THEN 2 WHEN 'wellbeing' THEN 1 ELSE 0 END)
               AS rank
    FROM open_alerts GROUP BY participant_id
)
SELECT m.participant_id, i.full_name,
       hr.at AS hr_last, gl.at AS glucose_last,
       wear.buckets AS hr_buckets_24h, bat.pct AS battery_pct,
       cgm.n, cgm.buckets, cgm.b54, cgm.b70, cgm.tir,
       al.counts, al.unacknowledged, coalesce(al.rank, 0) AS rank,
       rev.username, rev.reviewed_at, af.pct AS af_pct
FROM mine m
LEFT JOIN participant_identity i USING (participant_id)
LEFT JOIN cgm USING (participant_id)
LEFT JOIN al USING (participant_id)
LEFT JOIN LATERAL (
    SELECT max(r.measured_at) AS at FROM readings r
    WHERE r.participant_id = m.participant_id AND r.metric = 'heart_rate'
      AND r.measured_at >= (SELECT max(b.bucket) FROM readings_5m b
                            WHERE b.participant_id = m.participant_id
                              AND b.metric = 'heart_rate')
) hr ON true
LEFT JOIN LATERAL (
    SELECT max(r.measured_at) AS at FROM readings r
    WHERE r.participant_id = m.participant_id AND r.metric = 'glucose'
      AND r.measured_at >= (SELECT max(b.bucket) FROM readings_5m b
                            WHERE b.participant_id = m.participant_id
                              AND b.metric = 'glucose')
) gl ON true
LEFT JOIN LATERAL (
    SELECT sum(h.buckets) AS buckets FROM stream_hours h
    WHERE h.participant_id = m.participant_id AND h.metric = 'heart_rate'
      AND h.hour >= %(wear_from)s AND h.hour <= %(now)s
) wear ON true
LEFT JOIN LATERAL (
    SELECT b.min_value AS pct FROM readings_5m b
    WHERE b.participant_id = m.participant_id AND b.metric = 'battery'
    ORDER BY b.bucket DESC LIMIT 1
) bat ON true
LEFT JOIN LATERAL (
    SELECT a.username, r.reviewed_at FROM participant_reviews r JOIN accounts a USING (account_id)
    WHERE r.participant_id = m.participant_id AND r.undone_at IS NULL
    ORDER BY r.reviewed_at DESC LIMIT 1
) rev ON true
LEFT JOIN LATERAL (
    SELECT max(a.worst_value) AS pct FROM alerts a
    WHERE a.participant_id = m.participant_id AND a.rule_id = %(af_rule)s
      AND a.last_seen >= %(af_from)s
) af ON true
ORDER BY rank DESC,
         coalesce(cgm.b54::float8 / nullif(cgm.n, 0), 0) DESC,
         coalesce(cgm.buckets, 0) ASC,
         m.participant_id
"""


@dataclass(frozen=True, slots=True)
class GlucoseSummary:
    """14-day CGM figures (percent of readings; sufficiency as percent of 5-min slots)."""

    readings: int
    tbr54_pct: float | None
    tbr70_pct: float | None
    tir_pct: float | None
    sufficiency_pct: float
    sufficient: bool


@dataclass(frozen=True, slots=True)
class TriageRow:
    """One participant on the triage list."""

    participant_id: uuid.UUID
    display_name: str | None
    last_seen: dt.datetime | None
    heart_rate_last_seen: dt.datetime | None
    glucose_last_seen: dt.datetime | None
    wear_pct_24h: float
    battery_pct: float | None
    alerts: dict[str, dict[str, int]]
    unacknowledged: int
    highest_priority: str | None
    glucose_14d: GlucoseSummary
    last_reviewed_by: str | None
    last_reviewed_at: dt.datetime | None
    af_burden_pct_24h: float | None


def first_cgm_day(now: dt.datetime) -> dt.date:
    """The first UTC day of the 14-day CGM window ending today."""
    return now.astimezone(dt.UTC).date() - dt.timedelta(days=CGM_DAYS - 1)


def expected_buckets(now: dt.datetime) -> float:
    """5-minute slots from the window's first midnight (UTC) to ``now``."""
    start = dt.datetime.combine(first_cgm_day(now), dt.time(), tzinfo=dt.UTC)
    return max((now - start) / BUCKET, 1.0)


def wear_start(now: dt.datetime) -> dt.datetime:
    """The first hour of the wear-time window."""
    hour = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return hour - dt.timedelta(hours=WEAR_HOURS - 1)


async def triage(conn: AsyncConn, account_id: uuid.UUID, now: dt.datetime) -> list[TriageRow]:
    """The triage list of the clinician ``account_id``, most urgent first."""
    # The planner's row estimates for the lateral joins are far too high, which makes
    # PostgreSQL JIT-compile the query: ~2 s of compiling for a ~0.1 s query.
    await conn.execute("SET LOCAL jit = off")
    wear_from = wear_start(now)
    cur = await conn.execute(
        _TRIAGE,
        {
            "account": account_id,
            "first_day": first_cgm_day(now),
            "wear_from": wear_from,
            "now": now,
            "af_rule": RuleId.AF_BURDEN.value,
            "af_from": now - dt.timedelta(hours=AF_HOURS),
        },
    )
    slots = expected_buckets(now)
    wear_slots = max((now - wear_from) / BUCKET, 1.0)
    return [_row(r, slots, wear_slots) for r in await cur.fetchall()]


def _row(r: tuple[object, ...], slots: float, wear_slots: float) -> TriageRow:
    hr_last, glucose_last = _opt_ts(r[2]), _opt_ts(r[3])
    seen = [t for t in (hr_last, glucose_last) if t is not None]
    counts = r[11] if isinstance(r[11], dict) else {}
    rank = int(str(r[13]))
    return TriageRow(
        participant_id=uuid.UUID(str(r[0])),
        display_name=None if r[1] is None else str(r[1]),
        last_seen=max(seen) if seen else None,
        heart_rate_last_seen=hr_last,
        glucose_last_seen=glucose_last,
        wear_pct_24h=round(min(100.0, 100.0 * _int(r[4]) / wear_slots), 1),
        battery_pct=None if r[5] is None else float(str(r[5])),
        alerts={k: {p: int(counts.get(f"{k}:{p}", 0)) for p in PRIORITIES} for k in KINDS},
        unacknowledged=_int(r[12]),
        highest_priority=None if rank == 0 else PRIORITIES[3 - rank // 3],
        glucose_14d=_glucose(r[6:11], slots),
        last_reviewed_by=None if r[14] is None else str(r[14]),
        last_reviewed_at=_opt_ts(r[15]),
        af_burden_pct_24h=None if r[16] is None else round(float(str(r[16])), 1),
    )


def _glucose(values: tuple[object, ...], slots: float) -> GlucoseSummary:
    n, buckets, b54, b70, tir = (_int(v) for v in values)
    sufficiency = round(min(100.0, 100.0 * buckets / slots), 1)

    def pct(k: int) -> float | None:
        return round(100.0 * k / n, 1) if n else None

    return GlucoseSummary(
        readings=n,
        tbr54_pct=pct(b54),
        tbr70_pct=pct(b70),
        tir_pct=pct(tir),
        sufficiency_pct=sufficiency,
        sufficient=sufficiency >= REPORT_MIN_ACTIVE_PERCENT,
    )


def _int(value: object) -> int:
    return 0 if value is None else int(str(value))


def _opt_ts(value: object) -> dt.datetime | None:
    if value is None:
        return None
    assert isinstance(value, dt.datetime)
    return value


async def mark_reviewed(
    conn: AsyncConn, participant_id: uuid.UUID, account_id: uuid.UUID, now: dt.datetime
) -> int:
    cur = await conn.execute(
        "INSERT INTO participant_reviews (participant_id, account_id, reviewed_at)"
        " VALUES (%s, %s, %s) RETURNING review_id",
        (participant_id, account_id, now),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(str(row[0]))


async def undo_review(
    conn: AsyncConn, participant_id: uuid.UUID, account_id: uuid.UUID, now: dt.datetime
) -> int | None:
    """Undo this account's newest standing review of the participant; its id, or None."""
    cur = await conn.execute(
        "UPDATE participant_reviews SET undone_at = %s WHERE review_id = ("
        " SELECT review_id FROM participant_reviews WHERE participant_id = %s"
        " AND account_id = %s AND undone_at IS NULL ORDER BY reviewed_at DESC LIMIT 1)"
        " RETURNING review_id",
        (now, participant_id, account_id),
    )
    row = await cur.fetchone()
    return None if row is None else int(str(row[0]))
