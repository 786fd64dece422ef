"""Behaviour of the glucose model and the CGM sensor."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from simulators.physiology import (
    CgmFlag,
    CgmParams,
    EpisodeKind,
    EpisodeSpec,
    GlucoseModel,
    GlucoseParams,
    MealPlan,
    Medication,
    ParameterError,
)
from tests.simulators.physiology.helpers import DAY_S, SEOUL_MIDNIGHT_S, local_hours

EXACT_SENSOR = CgmParams(
    noise_sd_mg_dl=0.0, gain_sd=0.0, offset_sd_mg_dl=0.0, drift_sd_per_day=0.0, dropout_rate=0.0
)


def _fields(trace: object) -> dict[str, np.ndarray]:
    names = ("time_s", "glucose_mg_dl", "flags", "blood_glucose_mg_dl", "interstitial_mg_dl")
    return {name: getattr(trace, name) for name in names}


def test_same_seed_gives_identical_readings() -> None:
    first = GlucoseModel(GlucoseParams(), seed=4).generate(SEOUL_MIDNIGHT_S, DAY_S)
    second = GlucoseModel(GlucoseParams(), seed=4).generate(SEOUL_MIDNIGHT_S, DAY_S)
    for name, values in _fields(first).items():
        assert_array_equal(values, getattr(second, name), err_msg=name)


def test_different_seeds_give_different_readings() -> None:
    first = GlucoseModel(GlucoseParams(), seed=4).generate(SEOUL_MIDNIGHT_S, DAY_S)
    second = GlucoseModel(GlucoseParams(), seed=5).generate(SEOUL_MIDNIGHT_S, DAY_S)
    assert not np.array_equal(first.blood_glucose_mg_dl, second.blood_glucose_mg_dl)


@pytest.mark.parametrize("cut_s", [3600.0, 5 * 3600.0 + 17.0, 20 * 3600.0])
def test_two_chunks_equal_one_call(cut_s: float) -> None:
    model = GlucoseModel(GlucoseParams(), seed=6)
    start, length = SEOUL_MIDNIGHT_S + 12 * 3600.0, 2 * DAY_S
    whole = model.generate(start, length)
    head, tail = model.generate(start, cut_s), model.generate(start + cut_s, length - cut_s)
    for name, values in _fields(whole).items():
        joined = np.concatenate([getattr(head, name), getattr(tail, name)])
        assert_array_equal(values, joined, err_msg=name)


def test_days_join_without_a_step_at_midnight() -> None:
    params = replace(GlucoseParams(), cgm=EXACT_SENSOR)
    trace = GlucoseModel(params, seed=7).generate(SEOUL_MIDNIGHT_S, 3 * DAY_S)
    steps = np.diff(trace.blood_glucose_mg_dl)
    crosses_midnight = np.diff(np.floor((trace.time_s - SEOUL_MIDNIGHT_S) / DAY_S)) == 1
    assert crosses_midnight.sum() == 2
    # The step across midnight is an ordinary 5-minute change, not a restart artefact.
    neighbours = np.abs(steps[np.flatnonzero(crosses_midnight)[:, None] + [-1, 1]])
    assert np.all(np.abs(steps[crosses_midnight]) < neighbours.max(axis=1) + 0.01)


def test_readings_are_on_a_fixed_five_minute_grid() -> None:
    model = GlucoseModel(GlucoseParams(), seed=8)
    trace = model.generate(SEOUL_MIDNIGHT_S, DAY_S)
    assert np.all(np.diff(trace.time_s) == 300.0)
    assert len(trace) == 288
    assert np.all(np.mod(trace.time_s - model.phase_s, 300.0) == 0.0)


def test_meals_raise_blood_glucose() -> None:
    trace = GlucoseModel(GlucoseParams(), seed=9).generate(SEOUL_MIDNIGHT_S, DAY_S)
    meals = [e for e in trace.episodes if e.kind is EpisodeKind.MEAL]
    assert len(meals) == 3
    for meal in meals:
        at_meal = np.interp(meal.start_s, trace.time_s, trace.blood_glucose_mg_dl)
        later = np.interp(meal.start_s + 75 * 60, trace.time_s, trace.blood_glucose_mg_dl)
        assert later > at_meal + 40.0


def test_interstitial_glucose_lags_blood_glucose_after_a_meal() -> None:
    params = replace(GlucoseParams(), cgm=EXACT_SENSOR, interstitial_lag_min=10.0)
    trace = GlucoseModel(params, seed=10).generate(SEOUL_MIDNIGHT_S + 6 * 3600.0, 6 * 3600.0)
    lag_s = (
        trace.time_s[np.argmax(trace.interstitial_mg_dl)]
        - trace.time_s[np.argmax(trace.blood_glucose_mg_dl)]
    )
    assert 5 * 60 <= lag_s <= 20 * 60


def test_exercise_lowers_glucose_during_and_after_the_bout() -> None:
    walk = EpisodeSpec(per_day=1, duration_min=(60.0, 60.0), level=(0.004, 0.004), onset_h=(10, 10))
    still = replace(walk, level=(0.0, 0.0))
    walking = GlucoseModel(replace(GlucoseParams(), exercise=walk), seed=11)
    sitting = GlucoseModel(replace(GlucoseParams(), exercise=still), seed=11)
    trace = walking.generate(SEOUL_MIDNIGHT_S, DAY_S)
    bg_sit = sitting.generate(SEOUL_MIDNIGHT_S, DAY_S).blood_glucose_mg_dl
    bout = next(e for e in trace.episodes if e.kind is EpisodeKind.EXERCISE)
    window = (trace.time_s > bout.start_s) & (trace.time_s <= bout.end_s + 3600.0)
    assert np.all(trace.blood_glucose_mg_dl[window] < bg_sit[window])
    assert np.max(bg_sit - trace.blood_glucose_mg_dl) > 15.0


def test_dawn_phenomenon_raises_early_morning_glucose() -> None:
    no_meals = MealPlan(times_h=(), carbs_g=(), skip_probability=())
    base = replace(GlucoseParams(), meals=no_meals, cgm=EXACT_SENSOR)
    dawn = GlucoseModel(replace(base, dawn_rise=0.2), seed=12).generate(SEOUL_MIDNIGHT_S, DAY_S)
    flat = GlucoseModel(replace(base, dawn_rise=0.0), seed=12).generate(SEOUL_MIDNIGHT_S, DAY_S)
    hour = local_hours(dawn.time_s)
    at_seven = (hour >= 6.5) & (hour < 7.5)
    assert np.mean(dawn.blood_glucose_mg_dl[at_seven] - flat.blood_glucose_mg_dl[at_seven]) > 10


def test_bedtime_insulin_lowers_night_glucose() -> None:
    nph = Medication(peak_uU_ml=40.0, dose_h=22.0, time_to_peak_min=240.0, shape=4.0)
    with_nph = GlucoseModel(replace(GlucoseParams(), basal_insulin=nph), seed=13)
    without = GlucoseModel(GlucoseParams(), seed=13)
    day = SEOUL_MIDNIGHT_S + DAY_S
    night_with = with_nph.generate(day, 5 * 3600.0).blood_glucose_mg_dl
    night_without = without.generate(day, 5 * 3600.0).blood_glucose_mg_dl
    assert np.mean(night_with) < np.mean(night_without) - 20.0


def test_noise_level_is_as_configured() -> None:
    cgm = replace(EXACT_SENSOR, noise_sd_mg_dl=10.0)
    trace = GlucoseModel(replace(GlucoseParams(), cgm=cgm), seed=14).generate(
        SEOUL_MIDNIGHT_S, 14 * DAY_S
    )
    error = trace.glucose_mg_dl - trace.interstitial_mg_dl
    assert np.std(error) == pytest.approx(10.0, rel=0.15)
    assert abs(np.mean(error)) < 1.5


def test_noise_is_autocorrelated_as_breton_2008() -> None:
    cgm = replace(EXACT_SENSOR, noise_sd_mg_dl=10.0)
    trace = GlucoseModel(replace(GlucoseParams(), cgm=cgm), seed=15).generate(
        SEOUL_MIDNIGHT_S, 14 * DAY_S
    )
    error = trace.glucose_mg_dl - trace.interstitial_mg_dl
    lag3 = np.corrcoef(error[:-3], error[3:])[0, 1]  # 15 minutes
    assert 0.55 < lag3 < 0.85


def test_dropout_rate_is_as_configured() -> None:
    cgm = replace(EXACT_SENSOR, dropout_rate=0.1)
    trace = GlucoseModel(replace(GlucoseParams(), cgm=cgm), seed=16).generate(
        SEOUL_MIDNIGHT_S, 7 * DAY_S
    )
    missing = (trace.flags & CgmFlag.MISSING) != 0
    assert np.mean(missing) == pytest.approx(0.1, abs=0.025)
    assert_array_equal(np.isnan(trace.glucose_mg_dl), missing)


def test_signal_gaps_blank_every_reading_inside_them() -> None:
    cgm = replace(EXACT_SENSOR, gaps=EpisodeSpec(per_day=1, duration_min=(45.0, 45.0)))
    trace = GlucoseModel(replace(GlucoseParams(), cgm=cgm), seed=17).generate(
        SEOUL_MIDNIGHT_S, DAY_S
    )
    gaps = [e for e in trace.episodes if e.kind is EpisodeKind.CGM_GAP]
    assert gaps
    inside = np.zeros(len(trace), dtype=bool)
    for gap in gaps:
        inside |= (trace.time_s >= gap.start_s) & (trace.time_s < gap.end_s)
    assert inside.sum() >= 8
    assert np.all(np.isnan(trace.glucose_mg_dl[inside]))


def test_values_stay_within_sensor_range_with_high_flags() -> None:
    feast = MealPlan(carbs_g=(150.0, 150.0, 150.0))
    params = replace(GlucoseParams(), basal_glucose_mg_dl=250.0, meals=feast)
    trace = GlucoseModel(params, seed=18).generate(SEOUL_MIDNIGHT_S, DAY_S)
    valid = ~np.isnan(trace.glucose_mg_dl)
    high = (trace.flags & CgmFlag.HIGH) != 0
    assert np.all((trace.glucose_mg_dl[valid] >= 40) & (trace.glucose_mg_dl[valid] <= 400))
    assert high.sum() > 10
    assert np.all(trace.glucose_mg_dl[high & valid] == 400.0)
    assert np.all(trace.interstitial_mg_dl[high & valid] > 350.0)


def test_values_below_range_are_reported_as_forty_with_low_flag() -> None:
    overdose = Medication(peak_uU_ml=200.0, dose_h=22.0, time_to_peak_min=240.0, shape=4.0)
    params = replace(GlucoseParams(), basal_insulin=overdose, counterregulation_per_min=0.0)
    trace = GlucoseModel(params, seed=19).generate(SEOUL_MIDNIGHT_S, DAY_S)
    low = (trace.flags & CgmFlag.LOW) != 0
    assert low.sum() > 3
    assert np.all(trace.glucose_mg_dl[low & ~np.isnan(trace.glucose_mg_dl)] == 40.0)


def test_readings_are_whole_mg_dl() -> None:
    trace = GlucoseModel(GlucoseParams(), seed=20).generate(SEOUL_MIDNIGHT_S, DAY_S)
    valid = trace.glucose_mg_dl[~np.isnan(trace.glucose_mg_dl)]
    assert_array_equal(valid, np.rint(valid))


def test_invalid_parameters_raise_parameter_error() -> None:
    with pytest.raises(ParameterError, match="bioavailability"):
        GlucoseParams(bioavailability=1.5)


def test_invalid_interval_raises_parameter_error() -> None:
    with pytest.raises(ParameterError, match="duration_s"):
        GlucoseModel(GlucoseParams(), seed=1).generate(SEOUL_MIDNIGHT_S, -5.0)


def test_sulfonylurea_lowers_daytime_glucose() -> None:
    drug = Medication(peak_uU_ml=10.0, dose_h=7.5, time_to_peak_min=180.0, shape=2.0)
    treated = GlucoseModel(replace(GlucoseParams(), sulfonylurea=drug), seed=25)
    untreated = GlucoseModel(GlucoseParams(), seed=25)
    day = SEOUL_MIDNIGHT_S + 8 * 3600.0
    bg_treated = treated.generate(day, 10 * 3600.0).blood_glucose_mg_dl
    bg_untreated = untreated.generate(day, 10 * 3600.0).blood_glucose_mg_dl
    assert np.mean(bg_treated) < np.mean(bg_untreated) - 5.0
