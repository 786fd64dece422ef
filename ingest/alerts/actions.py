"""What a clinician does to an alert: acknowledge, resolve, snooze (each stored and audited).

Synchronous functions over one connection, inside the caller's transaction; the API
calls them through ``run_sync``-style threads or on its own sync connection. Each raises
:class:`AlertActionError` with a message naming the problem and what to do.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final, Literal

from analytics.rules import Severity
from ingest.alerts import escalation
from ingest.alerts.loader import Conn
from ingest.alerts.store import Journal, record_event
from ingest.errors import IngestError

Resolution = Literal["actionable", "non_actionable", "artefact"]
RESOLUTIONS: Final = ("actionable", "non_actionable", "artefact")


class AlertActionError(IngestError):
    """The action is not allowed on this alert (409 in the API)."""


class AlertNotFound(IngestError):
    """No such alert (404 in the API)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, for the alert's history and the audit log."""

    account_id: uuid.UUID
    role: str
    request_id: str | None = None
    source_ip: str | None = None
    name: str | None = None  # the username, as the audit log names people


def _lock(conn: Conn, alert_id: uuid.UUID) -> tuple[uuid.UUID, str, Severity, bool]:
    row = conn.execute(
        "SELECT participant_id, state, priority, retrospective FROM alerts"
        " WHERE alert_id = %s FOR UPDATE",
        (alert_id,),
    ).fetchone()
    if row is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return uuid.UUID(str(row[0])), str(row[1]), Severity(str(row[2])), bool(row[3])


def _event(
    conn: Conn,
    alert_id: uuid.UUID,
    pid: uuid.UUID,
    actor: Actor,
    now: dt.datetime,
    action: str,
    details: dict[str, object],
    reason: str | None = None,
) -> None:
    journal = Journal()
    record_event(
        conn,
        journal,
        alert_id=alert_id,
        participant_id=pid,
        at=now,
        actor=str(actor.account_id),
        audit_actor=actor.name,
        role=actor.role,
        action=action,
        details=details,
        request_id=actor.request_id,
        source_ip=actor.source_ip,
        reason=reason,
    )
    journal.flush(conn)


def acknowledge(conn: Conn, alert_id: uuid.UUID, actor: Actor, now: dt.datetime) -> None:
    """OPEN -> ACKNOWLEDGED: records who and when, stops the escalation schedule."""
    pid, state, _, _ = _lock(conn, alert_id)
    if state != "OPEN":
        raise AlertActionError(
            f"alert {alert_id} is {state}; only an OPEN alert can be acknowledged"
        )
    conn.execute(
        "UPDATE alerts SET state = 'ACKNOWLEDGED', acknowledged_by = %s, acknowledged_at = %s,"
        " next_escalation_at = NULL, snoozed_until = NULL, updated_at = %s WHERE alert_id = %s",
        (actor.account_id, now, now, alert_id),
    )
    _event(conn, alert_id, pid, actor, now, "acknowledged", {})


def resolve(
    conn: Conn,
    alert_id: uuid.UUID,
    actor: Actor,
    now: dt.datetime,
    reason: str,
    note: str | None = None,
) -> None:
    """-> RESOLVED with a reason (actionable, non_actionable, artefact) and an optional note.

    An OPEN alert may be resolved directly (acknowledged at the same time, so that time
    to acknowledge stays measurable).
    """
    if reason not in RESOLUTIONS:
        raise AlertActionError(f"reason should be one of {', '.join(RESOLUTIONS)}; got {reason!r}")
    pid, state, _, _ = _lock(conn, alert_id)
    if state == "RESOLVED":
        raise AlertActionError(f"alert {alert_id} is already RESOLVED")
    conn.execute(
        "UPDATE alerts SET state = 'RESOLVED', resolved_by = %s, resolved_at = %s,"
        " resolution = %s, resolution_note = %s, next_escalation_at = NULL,"
        " snoozed_until = NULL, updated_at = %s,"
        " acknowledged_by = coalesce(acknowledged_by, %s),"
        " acknowledged_at = coalesce(acknowledged_at, %s)"
        " WHERE alert_id = %s",
        (actor.account_id, now, reason, note, now, actor.account_id, now, alert_id),
    )
    _event(conn, alert_id, pid, actor, now, "resolved", {"resolution": reason, "note": note}, note)


def snooze(
    conn: Conn,
    alert_id: uuid.UUID,
    actor: Actor,
    now: dt.datetime,
    minutes: float,
    reason: str,
) -> dt.datetime:
    """Pause the escalation of a MEDIUM or LOW alert until ``now + minutes``; returns the end.

    HIGH alerts cannot be snoozed; a reason is required; at most
    :data:`~ingest.alerts.escalation.MAX_SNOOZE`.
    """
    if not reason.strip():
        raise AlertActionError("a snooze needs a reason (e.g. 'patient called, eating now')")
    limit_min = escalation.MAX_SNOOZE.total_seconds() / 60
    if not 0 < minutes <= limit_min:
        raise AlertActionError(f"minutes should be between 1 and {limit_min:g}; got {minutes:g}")
    pid, state, priority, _ = _lock(conn, alert_id)
    if priority not in escalation.SNOOZABLE:
        raise AlertActionError(
            f"alert {alert_id} is {priority.value}: HIGH alerts cannot be snoozed; "
            "acknowledge it instead"
        )
    if state == "RESOLVED":
        raise AlertActionError(f"alert {alert_id} is RESOLVED; nothing to snooze")
    until = now + dt.timedelta(minutes=minutes)
    conn.execute(
        "UPDATE alerts SET snoozed_until = %s, snooze_reason = %s, updated_at = %s"
        " WHERE alert_id = %s",
        (until, reason, now, alert_id),
    )
    _event(
        conn,
        alert_id,
        pid,
        actor,
        now,
        "snoozed",
        {"until": until.isoformat(), "reason": reason},
        reason,
    )
    return until
