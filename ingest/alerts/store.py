"""Persisting alert decisions: alerts, their events, notifications and audit rows.

Every step of an alert (opened, updated, ended, re-armed, acknowledged, resolved,
snoozed, notified, re-notified, escalated) is one ``alert_events`` row and one audit
row. Quiet refreshes (last seen, evidence of an ongoing episode, on every evaluation)
change the alert row only, so that the history shows what a person would care about.
Times come from the caller's clock (injectable), never from the database's ``now()``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from psycopg.types.json import Jsonb

from analytics.rules import Finding, Severity
from ingest.alerts import escalation
from ingest.alerts.lifecycle import Decision, KnownAlert, Open, Rearm, Update
from ingest.alerts.loader import Conn
from ingest.storage.audit import AuditEntry, write_audit

WORKER: Final = "worker"
_SYSTEM_ROLE: Final = "system"


def _ts(s: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(s, dt.UTC)


def evidence_json(f: Finding, window: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The evidence stored with an alert: the episode window and the numbers behind it."""
    return {
        "window": {
            "start": _ts(f.onset_s).isoformat(),
            "end": None if f.end_s is None else _ts(f.end_s).isoformat(),
        },
        "values": dict(f.evidence),
        "unit": f.unit,
        "summary": f.summary,
        **({"readings": dict(window)} if window else {}),
    }


_KNOWN: Final = """
    SELECT alert_id, rule_id, episode_key, tracking, priority, retrospective,
           extract(epoch FROM first_seen)::float8, extract(epoch FROM last_seen)::float8,
           extract(epoch FROM episode_ended_at)::float8, worst_value, occurrence_count
    FROM alerts
    WHERE participant_id = %s AND rule_id = ANY(%s)
      AND (tracking OR last_seen >= %s)
"""


def known_alerts(
    conn: Conn, pid: uuid.UUID, rules: Sequence[str], since: dt.datetime
) -> list[KnownAlert]:
    """Tracking alerts of ``rules`` and re-armed ones last seen after ``since``."""
    return [
        KnownAlert(
            uuid.UUID(str(r[0])),
            str(r[1]),
            str(r[2]),
            bool(r[3]),
            Severity(str(r[4])),
            bool(r[5]),
            float(r[6]),
            float(r[7]),
            None if r[8] is None else float(r[8]),
            None if r[9] is None else float(r[9]),
            int(r[10]),
        )
        for r in conn.execute(_KNOWN, (pid, list(rules), since)).fetchall()
    ]


@dataclass(slots=True)
class Journal:
    """Events and audit rows of one transaction, written together at its end.

    The audit log serialises its writers (hash chain), so audit rows go last, just
    before the commit, to hold that lock as briefly as possible.
    """

    audits: list[AuditEntry]

    def __init__(self) -> None:
        self.audits = []

    def flush(self, conn: Conn) -> None:
        for entry in self.audits:
            write_audit(conn, entry)
        self.audits.clear()


def record_event(
    conn: Conn,
    journal: Journal,
    *,
    alert_id: uuid.UUID,
    participant_id: uuid.UUID,
    at: dt.datetime,
    actor: str,
    role: str,
    action: str,
    details: Mapping[str, Any],
    request_id: str | None = None,
    source_ip: str | None = None,
    reason: str | None = None,
    audit_actor: str | None = None,
) -> None:
    """One alert_events row now and one audit row at the journal's flush.

    ``actor`` is an account id (or ``worker``) for the alert's history; the audit row
    names ``audit_actor`` (the username) when given, with the account id in its details.
    """
    conn.execute(
        "INSERT INTO alert_events (alert_id, at, actor, action, details)"
        " VALUES (%s, %s, %s, %s, %s)",
        (alert_id, at, actor, action, Jsonb(dict(details))),
    )
    journal.audits.append(
        AuditEntry(
            actor=audit_actor or actor,
            role=role,
            action=f"alert.{action}",
            resource=f"alert/{alert_id}",
            outcome="success",
            subjects=(participant_id,),
            source_ip=source_ip,
            request_id=request_id,
            reason=reason,
            details={**dict(details), **({"account_id": actor} if audit_actor else {})},
        )
    )


def queue_notification(
    conn: Conn,
    *,
    alert_id: uuid.UUID,
    step: str,
    recipient: str,
    payload: Mapping[str, Any],
    at: dt.datetime,
) -> None:
    """A notification row for the notifier (see ingest.alerts.notifier)."""
    conn.execute(
        "INSERT INTO notifications (alert_id, step, recipient, payload, created_at)"
        " VALUES (%s, %s, %s, %s, %s)",
        (alert_id, step, recipient, Jsonb(dict(payload)), at),
    )


_INSERT: Final = """
    INSERT INTO alerts (participant_id, rule_id, rule_version, kind, priority, episode_key,
        tracking, retrospective, first_seen, last_seen, episode_ended_at, occurrence_count,
        worst_value, unit, evidence, context, summary, created_at, updated_at,
        escalation_base_at, next_escalation_at, revealed_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
            %s, %s, %s)
    ON CONFLICT (participant_id, rule_id, episode_key) WHERE tracking DO NOTHING
    RETURNING alert_id
"""


def _open(
    conn: Conn, journal: Journal, pid: uuid.UUID, d: Open, now: dt.datetime, revealed: dt.datetime
) -> uuid.UUID | None:
    f = d.finding
    live = not d.retrospective
    base = now if live else None
    next_at = escalation.next_due(f.severity, now, 0) if live else None
    row = conn.execute(
        _INSERT,
        (
            pid,
            f.rule_id,
            f.rule_version,
            f.kind.value,
            f.severity.value,
            d.episode_key,
            d.tracking,
            d.retrospective,
            _ts(d.first_seen_s),
            _ts(d.last_seen_s),
            None if f.end_s is None else _ts(f.end_s),
            d.occurrence_count,
            f.worst_value,
            f.unit,
            Jsonb(evidence_json(f)),
            Jsonb(dict(f.context)),
            f.summary,
            now,
            now,
            base,
            next_at,
            revealed,
        ),
    ).fetchone()
    if row is None:  # another worker's alert for this episode won the race: keep it
        return None
    alert_id = uuid.UUID(str(row[0]))
    details = {
        "rule_id": f.rule_id,
        "rule_version": f.rule_version,
        "priority": f.severity.value,
        "kind": f.kind.value,
        "retrospective": d.retrospective,
        "worst_value": f.worst_value,
        "summary": f.summary,
    }
    record_event(
        conn,
        journal,
        alert_id=alert_id,
        participant_id=pid,
        at=now,
        actor=WORKER,
        role=_SYSTEM_ROLE,
        action="opened",
        details=details,
    )
    if live:
        _notify(conn, journal, alert_id, pid, escalation.FIRST_STEP, escalation.CARE_TEAM, f, now)
    return alert_id


def _notify(
    conn: Conn,
    journal: Journal,
    alert_id: uuid.UUID,
    pid: uuid.UUID,
    step: str,
    recipient: str,
    f: Finding | None,
    now: dt.datetime,
    extra: Mapping[str, Any] | None = None,
) -> None:
    payload = {"participant_id": str(pid), "step": step, **(extra or {})}
    if f is not None:
        payload |= {"rule_id": f.rule_id, "priority": f.severity.value, "summary": f.summary}
    queue_notification(
        conn, alert_id=alert_id, step=step, recipient=recipient, payload=payload, at=now
    )
    record_event(
        conn,
        journal,
        alert_id=alert_id,
        participant_id=pid,
        at=now,
        actor=WORKER,
        role=_SYSTEM_ROLE,
        action="notified" if step == escalation.FIRST_STEP else _STEP_ACTION.get(step, step),
        details={"step": step, "recipient": recipient},
    )


_STEP_ACTION: Final = {"renotify": "renotified", "on_call": "escalated", "emergency": "escalated"}


def _update(conn: Conn, journal: Journal, pid: uuid.UUID, d: Update, now: dt.datetime) -> None:
    f = d.finding
    a = d.alert
    raised = "priority" in d.changes
    made_live = d.live and "live" in d.changes
    rebase = raised or made_live
    conn.execute(
        """
        UPDATE alerts SET last_seen = greatest(last_seen, %s), worst_value = %s, priority = %s,
            occurrence_count = %s, episode_ended_at = %s, evidence = %s, summary = %s,
            rule_version = %s, updated_at = %s,
            retrospective = retrospective AND NOT %s,
            snoozed_until = CASE WHEN %s = 'HIGH' THEN NULL ELSE snoozed_until END,
            escalation_base_at = CASE WHEN %s AND state = 'OPEN' THEN %s
                                      ELSE escalation_base_at END,
            escalation_step = CASE WHEN %s AND state = 'OPEN' THEN 0 ELSE escalation_step END,
            next_escalation_at = CASE WHEN %s AND state = 'OPEN' THEN %s
                                      ELSE next_escalation_at END
        WHERE alert_id = %s
        """,
        (
            _ts(d.last_seen_s),
            d.worst_value,
            d.priority.value,
            d.occurrence_count,
            None if d.ended_s is None else _ts(d.ended_s),
            Jsonb(evidence_json(f)),
            f.summary,
            f.rule_version,
            now,
            made_live,
            d.priority.value,
            rebase,
            now,
            rebase,
            rebase,
            escalation.next_due(d.priority, now, 0),
            a.alert_id,
        ),
    )
    if not d.changes:
        return
    record_event(
        conn,
        journal,
        alert_id=a.alert_id,
        participant_id=pid,
        at=now,
        actor=WORKER,
        role=_SYSTEM_ROLE,
        action="ended" if d.changes == ("ended",) else "updated",
        details={
            "changes": list(d.changes),
            "occurrence_count": d.occurrence_count,
            "priority": d.priority.value,
            "worst_value": d.worst_value,
        },
    )
    if rebase:
        _notify(conn, journal, a.alert_id, pid, escalation.FIRST_STEP, escalation.CARE_TEAM, f, now)


def _rearm(conn: Conn, journal: Journal, pid: uuid.UUID, d: Rearm, now: dt.datetime) -> None:
    conn.execute(
        "UPDATE alerts SET tracking = false, updated_at = %s,"
        " episode_ended_at = coalesce(episode_ended_at, %s) WHERE alert_id = %s",
        (now, _ts(d.ended_s), d.alert.alert_id),
    )
    record_event(
        conn,
        journal,
        alert_id=d.alert.alert_id,
        participant_id=pid,
        at=now,
        actor=WORKER,
        role=_SYSTEM_ROLE,
        action="rearmed",
        details={"ended_at": _ts(d.ended_s).isoformat()},
    )


@dataclass(frozen=True, slots=True)
class Applied:
    """What :func:`apply` did, for logs, tests and benchmarks."""

    opened: tuple[uuid.UUID, ...]
    updated: int
    rearmed: int


def apply(
    conn: Conn,
    pid: uuid.UUID,
    decisions: Sequence[Decision],
    now: dt.datetime,
    revealed: dt.datetime,
) -> Applied:
    """Persist decisions inside the caller's transaction (audit rows written last)."""
    journal = Journal()
    opened: list[uuid.UUID] = []
    updated = rearmed = 0
    for d in decisions:
        if isinstance(d, Rearm):
            _rearm(conn, journal, pid, d, now)
            rearmed += 1
        elif isinstance(d, Update):
            _update(conn, journal, pid, d, now)
            updated += 1
        else:
            got = _open(conn, journal, pid, d, now, revealed)
            if got is not None:
                opened.append(got)
    journal.flush(conn)
    return Applied(tuple(opened), updated, rearmed)


_DUE: Final = """
    SELECT alert_id, participant_id, priority, escalation_base_at, escalation_step, summary,
           rule_id
    FROM alerts
    WHERE next_escalation_at <= %s AND state = 'OPEN' AND NOT retrospective
      AND (snoozed_until IS NULL OR snoozed_until <= %s)
    ORDER BY next_escalation_at
    LIMIT %s
    FOR UPDATE SKIP LOCKED
"""


def escalate_due(conn: Conn, now: dt.datetime, limit: int = 100) -> int:
    """Run every escalation step due at ``now``; returns how many steps were taken.

    Runs in its own transaction on ``conn`` (autocommit mode); rows are locked with SKIP
    LOCKED, so several workers never take the same step twice.
    """
    journal = Journal()
    taken = 0
    with conn.transaction():
        for aid, pid, prio, base, step, summary, rule_id in conn.execute(
            _DUE, (now, now, limit)
        ).fetchall():
            alert_id, participant = uuid.UUID(str(aid)), uuid.UUID(str(pid))
            priority = Severity(str(prio))
            assert isinstance(base, dt.datetime)
            steps = escalation.due_steps(priority, base, int(str(step)), now)
            for _, s in steps:
                _notify(
                    conn,
                    journal,
                    alert_id,
                    participant,
                    s.name,
                    s.recipient,
                    None,
                    now,
                    {"rule_id": rule_id, "priority": priority.value, "summary": summary},
                )
            new_step = int(str(step)) + len(steps)
            conn.execute(
                "UPDATE alerts SET escalation_step = %s, next_escalation_at = %s"
                " WHERE alert_id = %s",
                (new_step, escalation.next_due(priority, base, new_step), alert_id),
            )
            taken += len(steps)
        journal.flush(conn)
    return taken
