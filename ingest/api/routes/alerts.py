"""Alert routes: list, history, acknowledge, resolve, snooze, thresholds, dry-run, burden.

Clinicians of the participant's care team only (``ClinicianDep``; others 403, audited);
an alert or participant outside the clinician's teams is 404, the same as a missing one,
and the attempt is audited. Every identifiable read and every action writes an audit row.
Actions run on a synchronous connection in a worker thread: the same tested functions
the worker and the CLI use (:mod:`ingest.alerts.actions`), at clinician rate, not
gateway rate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import psycopg
from fastapi import APIRouter, HTTPException, Query, status
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

from ingest.alerts.actions import (
    Actor,
    AlertActionError,
    AlertNotFound,
    acknowledge,
    resolve,
    snooze,
)
from ingest.alerts.dryrun import MAX_DAYS, DryRunError, dry_run
from ingest.alerts.thresholds import ThresholdChangeError, set_threshold
from ingest.api.auth_deps import (
    ClinicianDep,
    Principal,
    ensure_alert_in_scope,
    ensure_participant_in_scope,
)
from ingest.api.deps import ConnDep, StateDep
from ingest.db.pool import APP_ROLE
from ingest.storage.audit import write_audit_async

router = APIRouter(tags=["alerts"])
_DENIED: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}
_T = TypeVar("_T")

State = Literal["OPEN", "ACKNOWLEDGED", "RESOLVED"]
Kind = Literal["physiological", "technical", "wellbeing"]
Priority = Literal["HIGH", "MEDIUM", "LOW"]


class AlertOut(BaseModel):
    """One alert as the clinical API shows it."""

    id: uuid.UUID
    participant_id: uuid.UUID
    rule_id: str
    rule_version: str
    kind: Kind
    priority: Priority
    state: State
    retrospective: bool
    first_seen: dt.datetime
    last_seen: dt.datetime
    episode_ended_at: dt.datetime | None
    occurrence_count: int
    worst_value: float | None
    unit: str
    summary: str
    evidence: dict[str, Any] = Field(description="episode window and the values behind it")
    context: dict[str, Any]
    created_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolution: str | None
    resolution_note: str | None
    snoozed_until: dt.datetime | None
    snooze_reason: str | None
    escalation_step: int


class AlertsOut(BaseModel):
    items: list[AlertOut]


class EventOut(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    details: dict[str, Any]


class HistoryOut(BaseModel):
    alert: AlertOut
    items: list[EventOut] = Field(description="every step, oldest first")


class ResolveIn(BaseModel):
    reason: Literal["actionable", "non_actionable", "artefact"]
    note: str | None = Field(None, max_length=2000)


class SnoozeIn(BaseModel):
    minutes: float = Field(gt=0, le=480, description="at most 8 hours")
    reason: str = Field(min_length=1, max_length=500)


class ThresholdIn(BaseModel):
    params: dict[str, float] = Field(description="parameter -> value, e.g. medium_bpm: 110")


class DryRunIn(BaseModel):
    days: float = Field(14.0, gt=0, le=MAX_DAYS)
    changes: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="rule_id -> {parameter: value}"
    )


_SELECT = """
    SELECT a.alert_id AS id, a.participant_id, a.rule_id, a.rule_version, a.kind, a.priority,
           a.state, a.retrospective, a.first_seen, a.last_seen, a.episode_ended_at,
           a.occurrence_count, a.worst_value, a.unit, a.summary, a.evidence, a.context,
           a.created_at, ack.username AS acknowledged_by, a.acknowledged_at,
           res.username AS resolved_by, a.resolved_at, a.resolution, a.resolution_note,
           a.snoozed_until, a.snooze_reason, a.escalation_step
    FROM alerts a
    LEFT JOIN accounts ack ON ack.account_id = a.acknowledged_by
    LEFT JOIN accounts res ON res.account_id = a.resolved_by
"""
_IN_TEAMS = """
    a.participant_id IN (SELECT p.participant_id FROM team_members m
                         JOIN team_participants p USING (team_id) WHERE m.account_id = %s)
"""
_PRIORITY_ORDER = "CASE a.priority WHEN 'HIGH' THEN 0 WHEN 'MEDIUM' THEN 1 ELSE 2 END"


async def _rows(conn: ConnDep, query: str, params: Any) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return list(await cur.fetchall())


@router.get(
    "/alerts",
    response_model=AlertsOut,
    responses={**_DENIED, 404: {}},
    summary="Alerts of the clinician's participants (newest first within priority)",
)
async def list_alerts(
    account: ClinicianDep,
    conn: ConnDep,
    participant_id: uuid.UUID | None = None,
    state: State | None = None,
    kind: Kind | None = None,
    priority: Priority | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AlertsOut:
    if participant_id is not None:
        await ensure_participant_in_scope(conn, account, participant_id, action="read")
    where = [_IN_TEAMS]
    params: list[Any] = [account.account_id]
    for column, value in (
        ("participant_id", participant_id),
        ("state", state),
        ("kind", kind),
        ("priority", priority),
    ):
        if value is not None:
            where.append(f"a.{column} = %s")
            params.append(value)
    rows = await _rows(
        conn,
        f"{_SELECT} WHERE {' AND '.join(where)}"
        f" ORDER BY {_PRIORITY_ORDER}, a.last_seen DESC LIMIT %s",
        (*params, limit),
    )
    subjects = sorted({r["participant_id"] for r in rows})
    filters = {"participant_id": participant_id, "state": state, "kind": kind}
    await write_audit_async(
        conn,
        account.audit(
            "read",
            "alerts",
            "success",
            subjects=subjects,
            details={k: str(v) for k, v in filters.items() if v is not None},
        ),
    )
    await conn.commit()
    return AlertsOut(items=[AlertOut(**r) for r in rows])


async def _one(conn: ConnDep, alert_id: uuid.UUID) -> AlertOut:
    rows = await _rows(conn, f"{_SELECT} WHERE a.alert_id = %s", (alert_id,))
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"alert {alert_id} not found")
    return AlertOut(**rows[0])


@router.get(
    "/alerts/{alert_id}/history",
    response_model=HistoryOut,
    responses={**_DENIED, 404: {}},
    summary="An alert and every step of its life",
)
async def alert_history(alert_id: uuid.UUID, account: ClinicianDep, conn: ConnDep) -> HistoryOut:
    participant = await ensure_alert_in_scope(conn, account, alert_id, action="read")
    alert = await _one(conn, alert_id)
    events = await _rows(
        conn,
        "SELECT e.at, coalesce(a.username, e.actor) AS actor, e.action, e.details"
        " FROM alert_events e LEFT JOIN accounts a ON a.account_id::text = e.actor"
        " WHERE e.alert_id = %s ORDER BY e.event_id",
        (alert_id,),
    )
    await write_audit_async(
        conn, account.audit("read", f"alert/{alert_id}/history", "success", subjects=[participant])
    )
    await conn.commit()
    return HistoryOut(alert=alert, items=[EventOut(**e) for e in events])


def _sync(url: str, work: Callable[[psycopg.Connection[Any]], _T]) -> _T:
    """Run ``work`` in one transaction on a fresh connection as the application role."""
    with psycopg.connect(url) as conn:
        conn.execute(f"SET ROLE {APP_ROLE}")
        with conn.transaction():
            return work(conn)


async def _act(state: StateDep, work: Callable[[psycopg.Connection[Any]], _T]) -> _T:
    try:
        return await asyncio.to_thread(_sync, str(state.settings.database_url), work)
    except AlertNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except AlertActionError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


def _actor(account: Principal) -> Actor:
    return Actor(
        account.account_id,
        account.role,
        request_id=account.request_id,
        source_ip=account.source_ip,
        name=account.username,
    )


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertOut,
    responses={**_DENIED, 404: {}, 409: {}},
    summary="Acknowledge an open alert (stops its escalation)",
)
async def post_acknowledge(
    alert_id: uuid.UUID, account: ClinicianDep, state: StateDep, conn: ConnDep
) -> AlertOut:
    await ensure_alert_in_scope(conn, account, alert_id, action="acknowledge")
    await conn.commit()
    now = state.clock()
    await _act(state, lambda c: acknowledge(c, alert_id, _actor(account), now))
    return await _one(conn, alert_id)


@router.post(
    "/alerts/{alert_id}/resolve",
    response_model=AlertOut,
    responses={**_DENIED, 404: {}, 409: {}, 422: {}},
    summary="Resolve an alert with a reason (actionable, non_actionable, artefact)",
)
async def post_resolve(
    alert_id: uuid.UUID, body: ResolveIn, account: ClinicianDep, state: StateDep, conn: ConnDep
) -> AlertOut:
    await ensure_alert_in_scope(conn, account, alert_id, action="resolve")
    await conn.commit()
    now = state.clock()
    await _act(state, lambda c: resolve(c, alert_id, _actor(account), now, body.reason, body.note))
    return await _one(conn, alert_id)


@router.post(
    "/alerts/{alert_id}/snooze",
    response_model=AlertOut,
    responses={**_DENIED, 404: {}, 409: {}, 422: {}},
    summary="Snooze a MEDIUM or LOW alert's escalation (reason required; HIGH: 409)",
)
async def post_snooze(
    alert_id: uuid.UUID, body: SnoozeIn, account: ClinicianDep, state: StateDep, conn: ConnDep
) -> AlertOut:
    await ensure_alert_in_scope(conn, account, alert_id, action="snooze")
    await conn.commit()
    now = state.clock()
    await _act(
        state, lambda c: snooze(c, alert_id, _actor(account), now, body.minutes, body.reason)
    )
    return await _one(conn, alert_id)


@router.put(
    "/participants/{participant_id}/thresholds/{rule_id}",
    responses={**_DENIED, 404: {}, 422: {}},
    summary="Set a participant's threshold for one rule (a new version; audited)",
)
async def put_threshold(
    participant_id: uuid.UUID,
    rule_id: str,
    body: ThresholdIn,
    account: ClinicianDep,
    state: StateDep,
    conn: ConnDep,
) -> dict[str, Any]:
    await ensure_participant_in_scope(conn, account, participant_id, action="thresholds.set")
    await conn.commit()
    now = state.clock()
    audit = account.audit(
        "thresholds.set",
        f"participant/{participant_id}/thresholds/{rule_id}",
        "success",
        subjects=[participant_id],
    )
    try:
        return await _act(
            state,
            lambda c: set_threshold(
                c,
                participant_id,
                rule_id,
                body.params,
                set_by=account.account_id,
                audit=audit,
                now=now,
            ),
        )
    except ThresholdChangeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


@router.post(
    "/participants/{participant_id}/rules/dry-run",
    responses={**_DENIED, 404: {}, 422: {}},
    summary="Replay the participant's history with proposed thresholds (writes nothing)",
)
async def post_dry_run(
    participant_id: uuid.UUID,
    body: DryRunIn,
    account: ClinicianDep,
    state: StateDep,
    conn: ConnDep,
) -> dict[str, Any]:
    await ensure_participant_in_scope(conn, account, participant_id, action="rules.dry_run")
    await write_audit_async(
        conn,
        account.audit(
            "rules.dry_run",
            f"participant/{participant_id}",
            "success",
            subjects=[participant_id],
            details={"changes": body.changes, "days": body.days},
        ),
    )
    await conn.commit()
    now = state.clock()
    try:
        return await _act(state, lambda c: dry_run(c, participant_id, body.days, body.changes, now))
    except (DryRunError, ThresholdChangeError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


_BURDEN = """
    WITH scope AS (
        SELECT DISTINCT p.participant_id, greatest(pa.enrolled_at, %(since)s) AS from_at
        FROM team_members m JOIN team_participants p USING (team_id)
        JOIN participants pa ON pa.participant_id = p.participant_id
        WHERE m.account_id = %(account)s
    ),
    days AS (
        SELECT coalesce(sum(greatest(extract(epoch FROM %(now)s - from_at), 0)) / 86400, 0)
               AS participant_days
        FROM scope
    )
    SELECT a.rule_id, a.kind, count(*) AS alerts,
           (SELECT participant_days FROM days) AS participant_days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
               a.acknowledged_at - a.created_at)) AS median_ack_s,
           avg(extract(epoch FROM a.acknowledged_at - a.created_at)) AS mean_ack_s,
           count(*) FILTER (WHERE a.state = 'RESOLVED') AS resolved,
           count(*) FILTER (WHERE a.resolution = 'non_actionable') AS non_actionable,
           count(*) FILTER (WHERE a.retrospective) AS retrospective,
           count(*) FILTER (WHERE a.first_seen >= s.from_at) AS monitored
    FROM alerts a JOIN scope s ON s.participant_id = a.participant_id
    WHERE a.created_at >= %(since)s
    GROUP BY a.rule_id, a.kind ORDER BY a.kind, a.rule_id
"""


# A rate's numerator counts the alerts whose episode began inside the participant-days of
# its denominator (from each participant's enrolment, or the period's start): alerts about
# history uploaded at enrolment are work for the team, counted in "alerts", but they are
# not events of the monitored time, and a week-old cohort would otherwise carry its
# back-filled history as part of its daily rate.
# Rates over less than one participant-day (a cohort enrolled this morning) are withheld:
# a handful of alerts over a few participant-hours, some of them retrospective alerts
# about history uploaded at enrolment, would read as dozens a day.
MIN_RATE_PARTICIPANT_DAYS = 1.0


def _rate(alerts: int, participant_days: float) -> float | None:
    """Alerts per participant-day, or None below :data:`MIN_RATE_PARTICIPANT_DAYS`."""
    if participant_days < MIN_RATE_PARTICIPANT_DAYS:
        return None
    return alerts / participant_days


_OVERALL = """
    SELECT count(*) AS alerts,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
               a.acknowledged_at - a.created_at)) AS median_ack_s,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM
               a.acknowledged_at - a.created_at)) AS p90_ack_s,
           count(*) FILTER (WHERE a.state = 'RESOLVED') AS resolved,
           count(*) FILTER (WHERE a.resolution = 'non_actionable') AS non_actionable
    FROM alerts a
    WHERE a.created_at >= %(since)s AND a.participant_id IN (
        SELECT p.participant_id FROM team_members m JOIN team_participants p USING (team_id)
        WHERE m.account_id = %(account)s)
"""


@router.get(
    "/metrics/alert-burden",
    responses=_DENIED,
    summary="Alert burden of the clinician's participants, per rule",
)
async def alert_burden(
    account: ClinicianDep,
    state: StateDep,
    conn: ConnDep,
    days: Annotated[float, Query(gt=0, le=366)] = 14.0,
) -> dict[str, Any]:
    now = state.clock()
    since = now - dt.timedelta(days=days)
    rows = await _rows(conn, _BURDEN, {"since": since, "account": account.account_id, "now": now})
    participant_days = float(rows[0]["participant_days"]) if rows else 0.0
    per_rule = [
        {
            "rule_id": r["rule_id"],
            "kind": r["kind"],
            "alerts": r["alerts"],
            "alerts_per_participant_day": _rate(r["monitored"], participant_days),
            "before_monitoring": r["alerts"] - r["monitored"],
            "median_time_to_acknowledge_s": r["median_ack_s"],
            "mean_time_to_acknowledge_s": None
            if r["mean_ack_s"] is None
            else float(r["mean_ack_s"]),
            "resolved": r["resolved"],
            "share_resolved_non_actionable": r["non_actionable"] / r["resolved"]
            if r["resolved"]
            else None,
            "retrospective": r["retrospective"],
        }
        for r in rows
    ]
    overall = await _rows(conn, _OVERALL, {"since": since, "account": account.account_id})
    o = overall[0] if overall else {}
    resolved = int(o.get("resolved") or 0)
    total = int(o.get("alerts") or 0)
    totals: dict[str, Any] = {}
    for kind in ("physiological", "wellbeing", "technical"):
        n = sum(int(r["alerts"]) for r in rows if r["kind"] == kind)
        monitored = sum(int(r["monitored"]) for r in rows if r["kind"] == kind)
        totals[kind] = {
            "alerts": n,
            "alerts_per_participant_day": _rate(monitored, participant_days),
        }
    monitored_total = sum(int(r["monitored"]) for r in rows)
    await write_audit_async(conn, account.audit("read", "metrics/alert-burden", "success"))
    await conn.commit()
    return {
        "from": since.isoformat(),
        "to": now.isoformat(),
        "participant_days": participant_days,
        "alerts": total,
        "alerts_per_participant_day": _rate(monitored_total, participant_days),
        # Alerts about episodes before the monitored time: in "alerts", not in the rates.
        "alerts_before_monitoring": total - monitored_total,
        "rate_withheld": None
        if participant_days >= MIN_RATE_PARTICIPANT_DAYS
        else (
            f"{participant_days:.2f} participant-days in the period; rates are given from "
            f"{MIN_RATE_PARTICIPANT_DAYS:g}"
        ),
        "time_to_acknowledge": {"median_s": o.get("median_ack_s"), "p90_s": o.get("p90_ack_s")},
        "share_non_actionable": int(o.get("non_actionable") or 0) / resolved if resolved else None,
        "by_kind": totals,
        "rules": per_rule,
    }
