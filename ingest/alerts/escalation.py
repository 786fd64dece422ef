"""Escalation of unacknowledged alerts: the schedule, pure (docs/clinical.md "Alerts").

HIGH: re-notify the care team at +5 min, escalate to the on-call role at +15 min and to
the emergency-contact protocol at +30 min. MEDIUM: on-call at +30 min, emergency-contact
protocol at +120 min. LOW: notified once, never escalated. Times count from the alert's
escalation base (when it opened live, or became HIGH or live). Acknowledging stops the
schedule; a snoozed MEDIUM alert waits until its snooze expires, then catches up.
Retrospective alerts are never escalated (nobody is paged hours late).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from analytics.rules import Severity

#: The first notification of a live alert goes to the care team.
FIRST_STEP: Final = "notify"
CARE_TEAM: Final = "care_team"
ON_CALL: Final = "on_call"
EMERGENCY: Final = "emergency_contact_protocol"


@dataclass(frozen=True, slots=True)
class Step:
    """One escalation step: after ``after`` unacknowledged, notify ``recipient``."""

    after: dt.timedelta
    name: str
    recipient: str


_M = dt.timedelta(minutes=1)
SCHEDULE: Final[dict[Severity, tuple[Step, ...]]] = {
    Severity.HIGH: (
        Step(5 * _M, "renotify", CARE_TEAM),
        Step(15 * _M, "on_call", ON_CALL),
        Step(30 * _M, "emergency", EMERGENCY),
    ),
    Severity.MEDIUM: (
        Step(30 * _M, "on_call", ON_CALL),
        Step(120 * _M, "emergency", EMERGENCY),
    ),
    Severity.LOW: (),
}

#: Priorities a clinician may snooze (IEC 60601-1-8 spirit: a HIGH alarm is never muted).
SNOOZABLE: Final = frozenset({Severity.MEDIUM, Severity.LOW})
#: Longest snooze, so that a snoozed alert always comes back the same shift.
MAX_SNOOZE: Final = dt.timedelta(hours=8)


def next_due(priority: Severity, base: dt.datetime, step: int) -> dt.datetime | None:
    """When step number ``step`` (0-based) is due, or None when the schedule is done."""
    steps = SCHEDULE[priority]
    return base + steps[step].after if step < len(steps) else None


def due_steps(
    priority: Severity, base: dt.datetime, step: int, now: dt.datetime
) -> list[tuple[int, Step]]:
    """Every step from ``step`` on that is due at ``now`` (several if the worker was down)."""
    steps = SCHEDULE[priority]
    return [(i, steps[i]) for i in range(step, len(steps)) if base + steps[i].after <= now]
