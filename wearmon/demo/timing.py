"""When the demo's risk events happen: shortly before the run, so a short run shows them.

Each risk scenario has its event at some hour of the participant's day (an AF episode,
a bradycardia or tachycardia bout, the nocturnal hypoglycaemia after bedtime insulin).
Left at their hours, a demo started in the afternoon would show the night's hypo only
hours later. The demo therefore shifts the whole simulated day of such a participant
(heart and glucose alike, as one clock) so that the scenario's next event starts
shortly before the run (``EVENT_LEAD_S``, ``GLUCOSE_EVENT_LEAD_S``): it lies in the
newest back-filled history, which the gateways send first, and inside the alert
worker's look-back. Nothing about the event
changes, only when it happens; the detectors see the same physiology.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from simulators.physiology import GlucoseModel, HeartModel
from simulators.physiology.cohort import ParticipantSpec
from simulators.physiology.episodes import Episode, EpisodeKind

# Heart events start 45 min before the run: inside the alert worker's heart look-back
# (75 min), with room for a 10-min sustained-rate rule or 5 min of AF in the hour before
# the run; an event still under way at the start continues live.
EVENT_LEAD_S: Final = 45 * 60.0
# The hypoglycaemia starts (plasma below 54 mg/dL) 90 min before the run: inside the
# glucose look-back (135 min), and deep enough by the run's start that the lagging,
# noisy sensor reads below 54 mg/dL for the rule's 15 min.
GLUCOSE_EVENT_LEAD_S: Final = 90 * 60.0
_DAY_S: Final = 86_400.0
# The heart event shown is a whole one: episodes cut short by another (a 3-min AF run, a
# 16-min bradycardia with a bout above 50 bpm in it) exist in the simulated days, and a
# demo that picked one would show no alert for that participant.
MIN_HEART_EVENT_S: Final = 20 * 60.0

# The event each risk scenario exists to show (docs/clinical.md "Alerts").
_EVENTS: Final[dict[str, EpisodeKind]] = {
    "paroxysmal_af": EpisodeKind.AF,
    "bradycardia": EpisodeKind.BRADYCARDIA,
    "tachycardia": EpisodeKind.TACHYCARDIA,
    "nocturnal_hypo": EpisodeKind.HYPO_LEVEL2,
}
_GLUCOSE_EVENTS: Final = frozenset({EpisodeKind.HYPO_LEVEL2})


def retimed(spec: ParticipantSpec, run_start_s: float) -> ParticipantSpec:
    """Return ``spec`` with its day shifted so its scenario's event starts before the run.

    Parameters
    ----------
    spec : ParticipantSpec
        A cohort member; returned unchanged unless its scenario has an event to place.
    run_start_s : float
        When the live run starts, UTC epoch seconds.

    Returns
    -------
    ParticipantSpec
        Heart and glucose models on a clock moved forward by the same whole number of
        seconds (``utc_offset_s``), so the first event starting at or after
        ``run_start_s - EVENT_LEAD_S`` (``GLUCOSE_EVENT_LEAD_S`` for a glucose event) now
        starts then (to the second).
    """
    kind = _EVENTS.get(spec.scenario.name)
    if kind is None:
        return spec
    target_s = run_start_s - (GLUCOSE_EVENT_LEAD_S if kind in _GLUCOSE_EVENTS else EVENT_LEAD_S)
    event = _next_event(spec, kind, target_s)
    # Moving the local clock forward by `shift` moves every scheduled event earlier by it.
    shift = round(event.start_s - target_s)
    return replace(
        spec,
        heart=replace(spec.heart, utc_offset_s=spec.heart.utc_offset_s + shift),
        glucose=replace(spec.glucose, utc_offset_s=spec.glucose.utc_offset_s + shift),
    )


def _next_event(spec: ParticipantSpec, kind: EpisodeKind, from_s: float) -> Episode:
    # Two days: every scenario here has its event daily (tests/simulators/physiology).
    span_s = 2 * _DAY_S
    if kind in _GLUCOSE_EVENTS:
        episodes = GlucoseModel(spec.glucose, spec.seed).generate(from_s, span_s).episodes
    else:
        episodes = HeartModel(spec.heart, spec.seed).episodes(from_s, from_s + span_s)
    shortest = 0.0 if kind in _GLUCOSE_EVENTS else MIN_HEART_EVENT_S
    found = [
        e
        for e in episodes
        if e.kind is kind and e.start_s >= from_s and e.end_s - e.start_s >= shortest
    ]
    if not found:
        raise LookupError(
            f"{spec.participant_id} ({spec.scenario.name}) has no {kind.value} episode in "
            "two days; the scenario no longer shows its event daily"
        )
    return min(found, key=lambda e: e.start_s)
