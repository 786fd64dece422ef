"""Ground-truth glycaemic events (ATTD rules) on synthetic and simulated glucose."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulators.physiology import EpisodeKind, GlucoseModel, Medication, get_scenario
from simulators.physiology.glucose_events import glycaemic_events
from tests.simulators.physiology.helpers import DAY_S, SEOUL_MIDNIGHT_S, local_hours

MINUTES = np.arange(0, 240, dtype=np.float64) * 60.0


def _series(low_minutes: list[tuple[int, int]], value: float, base: float = 120.0) -> np.ndarray:
    glucose = np.full(MINUTES.size, base)
    for start, stop in low_minutes:
        glucose[start:stop] = value
    return glucose


def test_fifteen_minutes_below_seventy_is_a_level1_event() -> None:
    events = glycaemic_events(MINUTES, _series([(60, 75)], 65.0))
    assert [(e.kind, e.start_s, e.end_s, e.level) for e in events] == [
        (EpisodeKind.HYPO_LEVEL1, 3600.0, 74 * 60.0, 65.0)
    ]


def test_fourteen_minutes_below_seventy_is_no_event() -> None:
    assert glycaemic_events(MINUTES, _series([(60, 74)], 65.0)) == ()


def test_short_recovery_does_not_end_the_event() -> None:
    events = glycaemic_events(MINUTES, _series([(60, 80), (90, 110)], 60.0))
    assert len(events) == 1
    assert (events[0].start_s, events[0].end_s) == (3600.0, 109 * 60.0)


def test_long_recovery_ends_the_event() -> None:
    events = glycaemic_events(MINUTES, _series([(60, 80), (100, 120)], 60.0))
    assert len(events) == 2


def test_level2_event_is_also_a_level1_event() -> None:
    kinds = {e.kind for e in glycaemic_events(MINUTES, _series([(30, 60)], 50.0))}
    assert kinds == {EpisodeKind.HYPO_LEVEL1, EpisodeKind.HYPO_LEVEL2}


def test_above_two_fifty_is_a_hyper_event_with_its_peak() -> None:
    glucose = _series([(10, 40)], 260.0)
    glucose[20] = 300.0
    (event,) = glycaemic_events(MINUTES, glucose)
    assert event.kind is EpisodeKind.HYPER_LEVEL2
    assert event.level == 300.0


@pytest.mark.parametrize("seed", [0, 1])
def test_nocturnal_hypo_scenario_labels_night_hypoglycaemia(seed: int) -> None:
    day = SEOUL_MIDNIGHT_S + DAY_S
    trace = GlucoseModel(get_scenario("nocturnal_hypo").glucose, seed).generate(day, DAY_S)
    level2 = [e for e in trace.episodes if e.kind is EpisodeKind.HYPO_LEVEL2]
    assert level2
    assert all(local_hours(np.array([e.start_s]))[0] < 6.0 for e in level2)
    assert all(e.level < 54.0 for e in level2)


def test_healthy_scenario_has_no_glycaemic_events() -> None:
    trace = GlucoseModel(get_scenario("healthy").glucose, 3).generate(SEOUL_MIDNIGHT_S, DAY_S)
    kinds = {e.kind for e in trace.episodes}
    assert not kinds & {EpisodeKind.HYPO_LEVEL1, EpisodeKind.HYPO_LEVEL2}


def test_event_crossing_midnight_is_listed_once() -> None:
    nph = Medication(peak_uU_ml=80.0, dose_h=19.5, time_to_peak_min=240.0, shape=4.0)
    params = replace(get_scenario("nocturnal_hypo").glucose, basal_insulin=nph)
    trace = GlucoseModel(params, 4).generate(SEOUL_MIDNIGHT_S, 3 * DAY_S)
    midnights = SEOUL_MIDNIGHT_S + DAY_S * np.arange(1, 3)
    crossing = [
        e for e in trace.episodes if np.any((e.start_s < midnights) & (e.end_s > midnights))
    ]
    keys = [(e.kind, e.start_s) for e in trace.episodes]
    assert crossing
    assert len(keys) == len(set(keys))
