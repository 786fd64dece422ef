"""One evaluation: a claimed participant's window through the rules into stored alerts.

Rule groups need different data and run at different rates: glucose rules as soon as a
CGM reading arrives (the 5-s alert latency target), heart rules at most once per
``heart_interval`` per participant (they need 75 min of 1-Hz data and judge sustained
conditions of >= 10 min, so a 30-s delay is small against their own duration), and the
technical rules at every evaluation and on the timer (they fire when data stop).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from analytics.rules import ParticipantWindow as Window
from analytics.rules import (
    Thresholds,
    battery_low_findings,
    evaluate_participant,
    gateway_offline_findings,
    stale_device_findings,
    wellbeing_findings,
)
from ingest.alerts import queue
from ingest.alerts.lifecycle import (
    GLUCOSE_RULES,
    HEART_RULES,
    TECHNICAL_RULES,
    WELLBEING_RULES,
    decide,
)
from ingest.alerts.loader import (
    GLUCOSE_LOOKBACK,
    HEART_LOOKBACK,
    Conn,
    Context,
    load_checkins,
    load_contexts,
    load_thresholds,
    load_window,
)
from ingest.alerts.store import Applied, apply, known_alerts
from ingest.settings import ServerSettings

log = logging.getLogger(__name__)

# Re-armed alerts older than the longest look-back plus the longest clear time cannot
# overlap a finding of the window any more.
_KNOWN_SINCE: Final = max(GLUCOSE_LOOKBACK, HEART_LOOKBACK) + dt.timedelta(hours=2)
#: Rules that need no readings: run on every evaluation and on the timer.
TIMED_RULES: Final = TECHNICAL_RULES | WELLBEING_RULES


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Tunables of the alert engine (``wearmon serve`` fills them from ServerSettings).

    Attributes
    ----------
    retrospective_after : timedelta
        An episode that ended more than this before the data revealing it arrived is
        retrospective (docs/clinical.md "Alerts": 15 min).
    heart_interval : timedelta
        Heart rules run at most this often per participant.
    timer_interval : timedelta
        How often the time-driven rules (stale device, gateway offline) run for everyone.
    claim_batch : int
        Participants claimed per queue round trip.
    """

    retrospective_after: dt.timedelta = dt.timedelta(minutes=15)
    heart_interval: dt.timedelta = dt.timedelta(seconds=30)
    timer_interval: dt.timedelta = dt.timedelta(seconds=30)
    claim_batch: int = 16

    @classmethod
    def from_server(cls, settings: ServerSettings) -> EngineSettings:
        """The engine's part of the server settings (``WEARMON_ALERT_*``)."""
        return cls(
            retrospective_after=dt.timedelta(minutes=settings.alert_retrospective_min),
            heart_interval=dt.timedelta(seconds=settings.alert_heart_interval_s),
            timer_interval=dt.timedelta(seconds=settings.alert_timer_s),
        )


@dataclass(frozen=True, slots=True)
class Evaluated:
    """What one evaluation of one participant did."""

    participant_id: uuid.UUID
    rules: frozenset[str]
    findings: int
    applied: Applied


def _heart_due(conn: Conn, pid: uuid.UUID, now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """When the heart rules may next run for ``pid`` (<= now: run them now)."""
    row = conn.execute(
        "SELECT heart_evaluated_at FROM evaluation_state WHERE participant_id = %s", (pid,)
    ).fetchone()
    last = row[0] if row else None
    return now if not isinstance(last, dt.datetime) else last + every


def evaluate_claimed(
    conn: Conn, claimed: queue.Claimed, now: dt.datetime, settings: EngineSettings
) -> Evaluated | None:
    """Evaluate a participant taken off the queue (its advisory lock held by ``conn``).

    Returns None when only heart data arrived inside the heart interval: the work is put
    back on the queue, due when the interval ends.
    """
    pid = claimed.participant_id
    glucose = bool(claimed.pending & queue.GLUCOSE)
    heart = bool(claimed.pending & queue.HEART)
    if heart:
        due = _heart_due(conn, pid, now, settings.heart_interval)
        if due > now:
            queue.defer(conn, pid, queue.HEART, due, claimed.newest_received_at)
            heart = False
            if not (claimed.pending & (queue.GLUCOSE | queue.OTHER | queue.CHECKIN)):
                return None
    revealed = min(claimed.newest_received_at, now)
    with conn.transaction():
        context = load_contexts(conn, [pid])[pid]
        window = load_window(conn, pid, now, glucose=glucose, heart=heart, context=context)
        window = dataclasses.replace(window, checkins=load_checkins(conn, [pid])[pid])
        thresholds = load_thresholds(conn, pid)
        rules = TIMED_RULES | (GLUCOSE_RULES if glucose else frozenset())
        rules |= HEART_RULES if heart else frozenset()
        result = _run(conn, pid, window, thresholds, rules, now, revealed, settings)
        if heart:
            conn.execute(
                "INSERT INTO evaluation_state (participant_id, heart_evaluated_at)"
                " VALUES (%s, %s) ON CONFLICT (participant_id)"
                " DO UPDATE SET heart_evaluated_at = excluded.heart_evaluated_at",
                (pid, now),
            )
    return result


def _run(
    conn: Conn,
    pid: uuid.UUID,
    window: Window,
    thresholds: Thresholds,
    rules: frozenset[str],
    now: dt.datetime,
    revealed: dt.datetime,
    settings: EngineSettings,
) -> Evaluated:
    now_s = now.timestamp()
    findings = [f for f in evaluate_participant(window, thresholds, now_s) if f.rule_id in rules]
    known = known_alerts(conn, pid, sorted(rules), now - _KNOWN_SINCE)
    decisions = decide(
        findings,
        known,
        rules,
        now_s,
        revealed.timestamp(),
        settings.retrospective_after.total_seconds(),
    )
    applied = apply(conn, pid, decisions, now, revealed)
    if applied.opened:
        log.info("participant %s: opened %d alert(s)", pid, len(applied.opened))
    return Evaluated(pid, rules, len(findings), applied)


def technical_findings(window: Window, thresholds: Thresholds, now_s: float) -> list:  # type: ignore[type-arg]
    """Only the time-driven rules: technical and check-in ones (no readings needed)."""
    return [
        *stale_device_findings(window, thresholds, now_s),
        *gateway_offline_findings(window, thresholds, now_s),
        *battery_low_findings(window, thresholds, now_s),
        *wellbeing_findings(window.checkins, now_s),
    ]


#: Participants checked by the timer between two looks at the queue. A check that writes
#: nothing takes well under a millisecond; one that evaluates the technical rules a few
#: milliseconds, so a slice bounds the wait of queued work to a fraction of a second.
TIMER_SLICE: Final = 25

_TRACKING_TECHNICAL: Final = """
    SELECT DISTINCT participant_id FROM alerts WHERE tracking AND rule_id = ANY(%s)
"""


def timer_pass(
    conn: Conn,
    now: dt.datetime,
    settings: EngineSettings,
    between: Callable[[], None] | None = None,
) -> list[Evaluated]:
    """Time-driven rules for every consented participant (they fire when data stop).

    Participants with neither a technical finding nor a tracking technical alert are
    skipped without a write; one busy with another worker is skipped too (that worker
    evaluates the technical rules as well). ``between`` runs after every
    :data:`TIMER_SLICE` participants: the worker drains its queue there, so that an alert
    on fresh data never waits for a whole pass over a large cohort.
    """
    rows = conn.execute(
        "SELECT participant_id FROM participants WHERE consent_status = 'consented'"
    ).fetchall()
    pids = [uuid.UUID(str(r[0])) for r in rows]
    if not pids:
        return []
    contexts = load_contexts(conn, pids)
    checkins = load_checkins(conn, pids)
    tracking = {
        uuid.UUID(str(r[0]))
        for r in conn.execute(_TRACKING_TECHNICAL, (sorted(TIMED_RULES),)).fetchall()
    }
    now_s = now.timestamp()
    start_s = (now - HEART_LOOKBACK).timestamp()
    out = []
    for n, pid in enumerate(pids):
        if between is not None and n and n % TIMER_SLICE == 0:
            between()
        ctx: Context = contexts[pid]
        window = Window(
            start_s=start_s,
            devices=ctx.devices,
            gateway_id=ctx.gateway_id,
            gateway_heartbeat_s=ctx.gateway_heartbeat_s,
            checkins=checkins[pid],
        )
        # Defaults here; a participant with overrides is re-read under the lock.
        if not technical_findings(window, Thresholds(), now_s) and pid not in tracking:
            continue
        if not queue.try_lock_participant(conn, pid):
            continue
        try:
            with conn.transaction():
                thresholds = load_thresholds(conn, pid)
                out.append(_run(conn, pid, window, thresholds, TIMED_RULES, now, now, settings))
        finally:
            queue.unlock_participant(conn, pid)
    return out
