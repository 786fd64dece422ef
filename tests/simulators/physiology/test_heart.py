"""Behaviour of the beat-by-beat heart model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from simulators.physiology import (
    EpisodeKind,
    EpisodeSpec,
    HeartModel,
    HeartParams,
    ParameterError,
    Rhythm,
    get_scenario,
)
from tests.simulators.physiology.helpers import DAY_S, SEOUL_MIDNIGHT_S, local_hours, rmssd_ms

QUIET = HeartParams(activity=EpisodeSpec(), contact_loss=EpisodeSpec(), ectopic_per_hour=0.0)


def test_same_seed_gives_identical_beats() -> None:
    first = HeartModel(HeartParams(), seed=11).generate(SEOUL_MIDNIGHT_S, 1800.0)
    second = HeartModel(HeartParams(), seed=11).generate(SEOUL_MIDNIGHT_S, 1800.0)
    assert_array_equal(first.beat_s, second.beat_s)
    assert_array_equal(first.rhythm, second.rhythm)


def test_different_seeds_give_different_beats() -> None:
    first = HeartModel(HeartParams(), seed=11).generate(SEOUL_MIDNIGHT_S, 600.0)
    second = HeartModel(HeartParams(), seed=12).generate(SEOUL_MIDNIGHT_S, 600.0)
    assert first.rr_ms[:50].tolist() != second.rr_ms[:50].tolist()


@pytest.mark.parametrize("cut_s", [3600.0, 1234.567, 300.0, 7199.9])
def test_two_chunks_equal_one_call(cut_s: float) -> None:
    model = HeartModel(get_scenario("paroxysmal_af").heart, seed=5)
    start = SEOUL_MIDNIGHT_S + 8 * 3600.0
    whole = model.generate(start, 7200.0)
    head, tail = model.generate(start, cut_s), model.generate(start + cut_s, 7200.0 - cut_s)
    for name in ("beat_s", "rr_ms", "hr_bpm", "contact", "rhythm"):
        joined = np.concatenate([getattr(head, name), getattr(tail, name)])
        assert_array_equal(getattr(whole, name), joined, err_msg=name)


def test_beats_lie_in_the_interval_and_increase() -> None:
    start = SEOUL_MIDNIGHT_S + 123.4
    trace = HeartModel(HeartParams(), seed=2).generate(start, 900.0)
    assert trace.beat_s[0] >= start
    assert trace.beat_s[-1] < start + 900.0
    assert np.all(np.diff(trace.beat_s) > 0)
    assert_allclose(np.diff(trace.beat_s) * 1000.0, trace.rr_ms[1:], atol=1e-6)


def test_rr_intervals_stay_physiological_over_a_day() -> None:
    trace = HeartModel(get_scenario("paroxysmal_af").heart, seed=3).generate(
        SEOUL_MIDNIGHT_S, DAY_S
    )
    assert np.all(trace.rr_ms >= 200.0)  # docs/clinical.md: < 200 ms is an artefact
    assert np.all(trace.rr_ms <= 2000.0)


def test_reported_hr_is_the_running_mean_of_rr() -> None:
    params = replace(HeartParams(), sensor_average_beats=4)
    trace = HeartModel(params, seed=4).generate(SEOUL_MIDNIGHT_S, 300.0)
    expected = 60_000.0 / np.convolve(trace.rr_ms, np.ones(4) / 4, mode="valid")
    assert_allclose(trace.hr_bpm[3:], expected, rtol=1e-9)


def test_faster_heart_has_lower_rmssd() -> None:
    slow = HeartModel(replace(QUIET, resting_hr_bpm=58.0), seed=8)
    fast = HeartModel(replace(QUIET, resting_hr_bpm=95.0), seed=8)
    start = SEOUL_MIDNIGHT_S + 14 * 3600.0
    slow_rr, fast_rr = slow.generate(start, 1800.0).rr_ms, fast.generate(start, 1800.0).rr_ms
    assert rmssd_ms(fast_rr) < 0.6 * rmssd_ms(slow_rr)


def test_sinus_rmssd_is_in_the_older_adult_range() -> None:
    trace = HeartModel(QUIET, seed=9).generate(SEOUL_MIDNIGHT_S + 10 * 3600.0, 3600.0)
    assert 10.0 < rmssd_ms(trace.rr_ms) < 45.0


def test_af_beats_are_far_more_irregular_than_sinus_beats() -> None:
    trace = HeartModel(get_scenario("paroxysmal_af").heart, seed=6).generate(
        SEOUL_MIDNIGHT_S, DAY_S
    )
    rr, rhythm = trace.rr_ms, trace.rhythm
    both_af = (rhythm[1:] == Rhythm.AF) & (rhythm[:-1] == Rhythm.AF)
    both_sinus = (rhythm[1:] == Rhythm.SINUS) & (rhythm[:-1] == Rhythm.SINUS)
    step = np.abs(np.diff(rr)) / rr[1:]
    assert both_af.sum() > 500
    assert np.median(step[both_af]) > 5.0 * np.median(step[both_sinus])


def test_af_rr_coefficient_of_variation_matches_the_parameter() -> None:
    params = replace(
        get_scenario("paroxysmal_af").heart,
        af=EpisodeSpec(per_day=1, duration_min=(120.0, 120.0), level=(110.0, 110.0)),
        af_rr_cv=0.2,
    )
    trace = HeartModel(params, seed=1).generate(SEOUL_MIDNIGHT_S, DAY_S)
    af_rr = trace.rr_ms[1:][(trace.rhythm[1:] == Rhythm.AF) & (trace.rhythm[:-1] == Rhythm.AF)]
    assert 0.16 < np.std(af_rr) / np.mean(af_rr) < 0.24
    assert 60_000.0 / np.mean(af_rr) == pytest.approx(110.0, rel=0.05)


def test_night_heart_rate_is_below_day_heart_rate() -> None:
    trace = HeartModel(HeartParams(), seed=10).generate(SEOUL_MIDNIGHT_S, DAY_S)
    hour = local_hours(trace.beat_s)
    night = np.nanmean(trace.hr_bpm[hour < 6])
    day = np.nanmean(trace.hr_bpm[(hour >= 10) & (hour < 20)])
    assert night < day - 5.0


def test_ectopic_beat_is_premature_with_compensatory_pause() -> None:
    params = replace(QUIET, ectopic_per_hour=60.0)
    trace = HeartModel(params, seed=12).generate(SEOUL_MIDNIGHT_S + 3600.0, 3600.0)
    index = np.flatnonzero(trace.rhythm == Rhythm.ECTOPIC)
    index = index[(index > 2) & (index < trace.rr_ms.size - 1)]
    isolated = (trace.rhythm[index - 1] == Rhythm.SINUS) & (trace.rhythm[index - 2] == Rhythm.SINUS)
    index = index[isolated & (trace.rhythm[index + 1] == Rhythm.SINUS)]
    assert index.size > 30
    before, coupling, pause = (trace.rr_ms[index + k] for k in (-1, 0, 1))
    assert np.all(coupling < 0.8 * before)
    assert_allclose(coupling + pause, 2.0 * before, rtol=0.1)


def test_contact_is_false_exactly_inside_contact_loss_episodes() -> None:
    params = replace(
        QUIET, contact_loss=EpisodeSpec(per_day=3, duration_min=(5.0, 5.0), onset_h=(0, 24))
    )
    trace = HeartModel(params, seed=13).generate(SEOUL_MIDNIGHT_S, DAY_S)
    lost = [e for e in trace.episodes if e.kind is EpisodeKind.CONTACT_LOSS]
    inside = np.zeros(len(trace), dtype=bool)
    for e in lost:
        inside |= (trace.beat_s >= e.start_s) & (trace.beat_s < e.end_s)
    assert len(lost) >= 3
    assert_array_equal(trace.contact, ~inside)


def test_episodes_listed_are_those_overlapping_the_interval() -> None:
    model = HeartModel(get_scenario("bradycardia").heart, seed=3)
    trace = model.generate(SEOUL_MIDNIGHT_S, DAY_S)
    brady = [e for e in trace.episodes if e.kind is EpisodeKind.BRADYCARDIA]
    assert len(brady) >= 2
    assert all(e.overlaps(SEOUL_MIDNIGHT_S, SEOUL_MIDNIGHT_S + DAY_S) for e in trace.episodes)


def test_empty_interval_gives_empty_trace() -> None:
    assert len(HeartModel(HeartParams(), seed=1).generate(SEOUL_MIDNIGHT_S, 0.0)) == 0


@pytest.mark.parametrize("duration_s", [-1.0, float("nan"), float("inf")])
def test_invalid_duration_raises_parameter_error(duration_s: float) -> None:
    with pytest.raises(ParameterError, match="duration_s"):
        HeartModel(HeartParams(), seed=1).generate(SEOUL_MIDNIGHT_S, duration_s)


def test_out_of_range_parameter_raises_parameter_error() -> None:
    with pytest.raises(ParameterError, match="resting_hr_bpm"):
        HeartParams(resting_hr_bpm=10.0)


def test_negative_seed_raises_parameter_error() -> None:
    with pytest.raises(ParameterError, match="seed"):
        HeartModel(HeartParams(), seed=-1)


def test_hourly_chunks_of_an_af_day_equal_one_call() -> None:
    model = HeartModel(get_scenario("paroxysmal_af").heart, seed=7)
    whole = model.generate(SEOUL_MIDNIGHT_S, DAY_S)
    hours = [model.generate(SEOUL_MIDNIGHT_S + h * 3600.0, 3600.0) for h in range(24)]
    assert np.any(whole.rhythm == Rhythm.AF)
    assert_array_equal(whole.beat_s, np.concatenate([h.beat_s for h in hours]))
    assert_array_equal(whole.rhythm, np.concatenate([h.rhythm for h in hours]))


def test_missed_detection_merges_two_intervals() -> None:
    params = replace(QUIET, missed_beats_per_hour=120.0)
    trace = HeartModel(params, seed=14).generate(SEOUL_MIDNIGHT_S + 7200.0, 3600.0)
    index = np.flatnonzero(trace.rhythm == Rhythm.ARTEFACT)
    index = index[(index > 0) & (index < len(trace) - 1)]
    assert 80 < index.size < 160
    neighbours = 0.5 * (trace.rr_ms[index - 1] + trace.rr_ms[index + 1])
    assert np.median(trace.rr_ms[index] / neighbours) == pytest.approx(2.0, rel=0.1)


def test_false_detection_splits_an_interval() -> None:
    params = replace(QUIET, extra_beats_per_hour=120.0)
    trace = HeartModel(params, seed=15).generate(SEOUL_MIDNIGHT_S + 7200.0, 3600.0)
    artefact = trace.rhythm == Rhythm.ARTEFACT
    pairs = np.flatnonzero(artefact[1:] & artefact[:-1])
    assert pairs.size > 80
    split_sum = trace.rr_ms[pairs] + trace.rr_ms[pairs + 1]
    assert np.median(split_sum / trace.rr_ms[pairs - 1]) == pytest.approx(1.0, rel=0.1)
