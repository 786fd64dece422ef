"""Turning findings into alert decisions: pure, no SQL, no clock.

Every evaluation re-derives all findings in the participant's window, so the same
episode comes back each time. :func:`decide` matches findings to the participant's known
alerts and says what to do: open an alert, update one, or re-arm one (hysteresis).

Matching (docs/clinical.md "Alerts": one alert per participant, rule and episode):

* The episode key tells apart concurrent episodes of one rule: the device for
  ``stale_device`` and ``battery_low``, the gateway for ``gateway_offline``; '' else.
* A finding belongs to the *tracking* alert of its rule and key when it began no later
  than the alert's last-seen time plus the rule's clear time (:data:`CLEAR_S`): the
  clear condition had not held long enough, so it is the same episode (a re-trigger
  inside the hysteresis counts one more occurrence instead of a new alert).
* A finding overlapping an alert that was already re-armed is that old episode seen
  again (the window still holds it): nothing to do.
* Otherwise it is a new episode: open an alert (re-arming any tracking one first).

A tracking alert is re-armed once its clear time has passed since it was last seen:
when its episode has ended (the finding carries an end), or when its rule was evaluated
and found nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from analytics.rules import Finding, RuleId, Severity, WellbeingRuleId

_MIN: Final = 60.0

#: How long the clear condition must hold before a rule re-arms, seconds after the alert
#: was last seen. Glucose: the consensus episode already ends only after 15 min back in
#: range (Battelino 2023), so the finding's end is the clear point; 15 min more of margin
#: against a sensor flickering around the threshold. Rate: 10 min, the rules' own
#: sustained duration. AF burden: its 60-min look-back (an hour with less than the burden
#: threshold). predicted_low: 30 min, its horizon. Technical rules: 10 min of data (or
#: heartbeats) flowing again, so a flapping radio link is one alert, not one per drop;
#: battery 60 min (a recharge shows within minutes; a jittery level near 20 % should not
#: flap); low coverage 30 min.
CLEAR_S: Final[Mapping[str, float]] = {
    RuleId.HYPO_LEVEL2.value: 15 * _MIN,
    RuleId.HYPO_LEVEL1.value: 15 * _MIN,
    RuleId.HYPER_PROLONGED.value: 15 * _MIN,
    RuleId.PREDICTED_LOW.value: 30 * _MIN,
    RuleId.TACHYCARDIA.value: 10 * _MIN,
    RuleId.BRADYCARDIA.value: 10 * _MIN,
    RuleId.AF_BURDEN.value: 60 * _MIN,
    RuleId.LOW_COVERAGE.value: 30 * _MIN,
    RuleId.STALE_DEVICE.value: 10 * _MIN,
    RuleId.GATEWAY_OFFLINE.value: 10 * _MIN,
    RuleId.BATTERY_LOW.value: 60 * _MIN,
}
#: Rules whose worst value is the lowest one (glucose lows, slow rate, battery).
LOWER_IS_WORSE: Final = frozenset(
    {
        RuleId.HYPO_LEVEL2.value,
        RuleId.HYPO_LEVEL1.value,
        RuleId.PREDICTED_LOW.value,
        RuleId.BRADYCARDIA.value,
        RuleId.BATTERY_LOW.value,
        RuleId.LOW_COVERAGE.value,
    }
)
#: Rule groups the worker evaluates separately (each needs different data).
GLUCOSE_RULES: Final = frozenset(
    {
        RuleId.HYPO_LEVEL2.value,
        RuleId.HYPO_LEVEL1.value,
        RuleId.PREDICTED_LOW.value,
        RuleId.HYPER_PROLONGED.value,
    }
)
HEART_RULES: Final = frozenset(
    {
        RuleId.TACHYCARDIA.value,
        RuleId.BRADYCARDIA.value,
        RuleId.AF_BURDEN.value,
        RuleId.LOW_COVERAGE.value,
    }
)
TECHNICAL_RULES: Final = frozenset(
    {RuleId.STALE_DEVICE.value, RuleId.GATEWAY_OFFLINE.value, RuleId.BATTERY_LOW.value}
)
#: Check-in rules: evaluated with the technical ones (on every evaluation and the timer),
#: from the participant's stored check-ins (analytics.rules.wellbeing).
WELLBEING_RULES: Final = frozenset(r.value for r in WellbeingRuleId)
_RANK: Final = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


def clear_s(rule_id: str) -> float:
    """Seconds the clear condition must hold before ``rule_id`` re-arms."""
    return CLEAR_S.get(rule_id, 15 * _MIN)


def episode_key(finding: Finding) -> str:
    """What tells apart concurrent episodes of one rule ('' when there is one)."""
    if finding.rule_id == RuleId.GATEWAY_OFFLINE.value:
        return finding.context.get("gateway_id", "")
    return finding.context.get("device_id", "")


def higher(a: Severity, b: Severity) -> Severity:
    """The more urgent of two priorities."""
    return a if _RANK[a] >= _RANK[b] else b


def worse(rule_id: str, a: float | None, b: float | None) -> float | None:
    """The worse of two values for ``rule_id`` (None when neither is known)."""
    if a is None or b is None:
        return b if a is None else a
    return min(a, b) if rule_id in LOWER_IS_WORSE else max(a, b)


@dataclass(frozen=True, slots=True)
class KnownAlert:
    """What the engine needs of a stored alert."""

    alert_id: uuid.UUID
    rule_id: str
    episode_key: str
    tracking: bool
    priority: Severity
    retrospective: bool
    first_seen_s: float
    last_seen_s: float
    ended_s: float | None
    worst_value: float | None
    occurrence_count: int


@dataclass(frozen=True, slots=True)
class Open:
    """Open a new alert for ``finding``."""

    finding: Finding
    episode_key: str
    first_seen_s: float
    last_seen_s: float
    retrospective: bool
    occurrence_count: int = 1
    tracking: bool = True  # False: a later episode in the same window superseded it


@dataclass(frozen=True, slots=True)
class Update:
    """A finding of the episode ``alert`` tracks: new last-seen, worst, priority, end.

    ``changes`` names what a person would care about (``occurrence``, ``priority``,
    ``ended``, ``live``); an empty tuple is a quiet refresh (last seen, evidence).
    """

    alert: KnownAlert
    finding: Finding
    last_seen_s: float
    worst_value: float | None
    priority: Severity
    occurrence_count: int
    ended_s: float | None
    live: bool
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rearm:
    """The clear condition held long enough: stop tracking, the next finding opens anew."""

    alert: KnownAlert
    ended_s: float


Decision = Open | Update | Rearm


def _span(finding: Finding, now_s: float) -> tuple[float, float]:
    return finding.onset_s, now_s if finding.end_s is None else finding.end_s


def _is_retrospective(finding: Finding, revealed_s: float, retro_after_s: float) -> bool:
    """Ended more than ``retro_after_s`` before the data revealing it arrived."""
    return finding.end_s is not None and revealed_s - finding.end_s > retro_after_s


def _absorb(
    alert: KnownAlert,
    f: Finding,
    now_s: float,
    live: bool,
    previous: Update | None,
) -> Update:
    onset, last = _span(f, now_s)
    base_last = previous.last_seen_s if previous else alert.last_seen_s
    base_worst = previous.worst_value if previous else alert.worst_value
    base_priority = previous.priority if previous else alert.priority
    base_count = previous.occurrence_count if previous else alert.occurrence_count
    changes = list(previous.changes) if previous else []
    # A re-derivation of the same episode starts no later than what was seen already;
    # an onset after the last-seen time is a re-trigger inside the hysteresis.
    count = base_count + 1 if onset > base_last else base_count
    if count > base_count:
        changes.append("occurrence")
    priority = higher(base_priority, f.severity)
    if priority is not base_priority:
        changes.append("priority")
    ended = f.end_s
    already_ended = alert.ended_s is not None or (
        previous is not None and previous.ended_s is not None
    )
    if ended is not None and not already_ended:
        changes.append("ended")
    make_live = alert.retrospective and live
    if make_live:
        changes.append("live")
    return Update(
        alert,
        f,
        max(base_last, last),
        worse(alert.rule_id, base_worst, f.worst_value),
        priority,
        count,
        ended,
        make_live or (previous.live if previous else False),
        tuple(dict.fromkeys(changes)),
    )


def decide(
    findings: Iterable[Finding],
    known: Sequence[KnownAlert],
    evaluated: frozenset[str],
    now_s: float,
    revealed_s: float,
    retro_after_s: float,
) -> list[Decision]:
    """What to do with one evaluation's findings.

    Parameters
    ----------
    findings : iterable of Finding
        Output of :func:`analytics.rules.evaluate_participant` for the rules in
        ``evaluated`` (findings of other rules are ignored).
    known : sequence of KnownAlert
        The participant's tracking alerts and the re-armed ones that may still overlap
        the window.
    evaluated : frozenset of str
        Rule ids this evaluation covered; only their alerts may re-arm.
    now_s : float
        Evaluation time, seconds (UTC epoch).
    revealed_s : float
        When the newest data behind this evaluation arrived.
    retro_after_s : float
        An episode that had ended more than this before ``revealed_s`` opens as a
        retrospective alert (never escalated, still listed).

    Returns
    -------
    list of Open, Update and Rearm
        At most one Update per alert; Rearm before an Open of the same rule and key.
    """
    tracking: dict[tuple[str, str], KnownAlert] = {
        (a.rule_id, a.episode_key): a for a in known if a.tracking
    }
    armed = [a for a in known if not a.tracking]
    updates: dict[uuid.UUID, Update] = {}
    rearmed: dict[uuid.UUID, Rearm] = {}
    opens: list[Open] = []
    for f in sorted(findings, key=lambda f: (f.onset_s, f.rule_id)):
        if f.rule_id not in evaluated:
            continue
        key = (f.rule_id, episode_key(f))
        onset, last = _span(f, now_s)
        live = not _is_retrospective(f, revealed_s, retro_after_s)
        current = tracking.get(key)
        if current is not None:
            seen = updates[current.alert_id].last_seen_s if current.alert_id in updates else 0.0
            last_seen = max(current.last_seen_s, seen)
            if onset <= last_seen + clear_s(f.rule_id):
                updates[current.alert_id] = _absorb(
                    current, f, now_s, live, updates.get(current.alert_id)
                )
                continue
        if any(
            a.rule_id == key[0]
            and a.episode_key == key[1]
            and onset <= a.last_seen_s
            and last >= a.first_seen_s
            for a in armed
        ):
            continue  # an episode already alerted and re-armed, still in the window
        if current is not None:
            rearmed[current.alert_id] = Rearm(current, current.ended_s or current.last_seen_s)
        opened = Open(f, key[1], onset, last, not live)
        opens.append(opened)
        # Later findings of the same rule and key merge into the alert just opened.
        tracking[key] = KnownAlert(
            uuid.UUID(int=len(opens)),  # placeholder id, never stored
            f.rule_id,
            key[1],
            True,
            f.severity,
            not live,
            onset,
            last,
            f.end_s,
            f.worst_value,
            1,
        )
    placeholders = {a.alert_id for a in tracking.values()} - {a.alert_id for a in known}
    opens = _merge_into_opens(opens, updates, placeholders)
    opens = [
        replace(o, tracking=False) if uuid.UUID(int=i) in rearmed else o
        for i, o in enumerate(opens, start=1)
    ]
    for u in updates.values():
        # The episode has ended and its clear condition has held long enough since.
        if u.ended_s is not None and now_s - u.last_seen_s >= clear_s(u.alert.rule_id):
            rearmed[u.alert.alert_id] = Rearm(u.alert, u.ended_s)
    for alert in known:
        if not alert.tracking or alert.rule_id not in evaluated:
            continue
        if alert.alert_id in updates or alert.alert_id in rearmed:
            continue
        if now_s - alert.last_seen_s >= clear_s(alert.rule_id):
            rearmed[alert.alert_id] = Rearm(alert, alert.ended_s or alert.last_seen_s)
    stored_updates = [u for u in updates.values() if u.alert.alert_id not in placeholders]
    stored_rearms = [r for r in rearmed.values() if r.alert.alert_id not in placeholders]
    return [*stored_rearms, *stored_updates, *opens]


def _merge_into_opens(
    opens: list[Open], updates: dict[uuid.UUID, Update], placeholders: set[uuid.UUID]
) -> list[Open]:
    """Fold updates aimed at an alert opened in this same pass into its Open."""
    out = []
    for i, opened in enumerate(opens, start=1):
        u = updates.get(uuid.UUID(int=i))
        if u is None or u.alert.alert_id not in placeholders:
            out.append(opened)
            continue
        f = u.finding
        merged = replace(
            f,
            severity=u.priority,
            worst_value=u.worst_value,
            onset_s=opened.first_seen_s,
        )
        out.append(
            replace(
                opened,
                finding=merged,
                last_seen_s=u.last_seen_s,
                occurrence_count=u.occurrence_count,
            )
        )
    return out
