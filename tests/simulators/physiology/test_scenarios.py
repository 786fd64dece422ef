"""Each scenario triggers its clinical rule (docs/clinical.md) and healthy triggers none."""

from __future__ import annotations

import numpy as np
import pytest

import analytics.clinical_constants as cc
from simulators.physiology import (
    SCENARIOS,
    CgmFlag,
    EpisodeKind,
    FaultKind,
    GlucoseModel,
    GlucoseTrace,
    HeartModel,
    HeartTrace,
    Rhythm,
    UnknownScenarioError,
    active_faults,
    cohort,
    get_scenario,
)
from tests.simulators.physiology.helpers import (
    DAY_S,
    SEOUL_MIDNIGHT_S,
    local_hours,
    longest_run_s,
)

SEEDS = (0, 1)
#: Longest beat-to-beat step still counted as contiguous; CGM: one missed reading.
BEAT_GAP_S, CGM_GAP_S = 3.0, 600.0
#: Rule durations, from their one home.
RATE_MIN_S = 60.0 * cc.SUSTAINED_RATE_MIN
HYPO_MIN_S = 60.0 * cc.EVENT_MIN_DURATION_MIN
HYPER_MIN_S = 60.0 * cc.HYPER_PROLONGED_MIN
AF_BURDEN_S = 60.0 * cc.AF_BURDEN_MIN


def _heart(name: str, seed: int) -> HeartTrace:
    day = SEOUL_MIDNIGHT_S + seed * DAY_S
    return HeartModel(get_scenario(name).heart, seed).generate(day, DAY_S)


def _glucose(name: str, seed: int) -> GlucoseTrace:
    day = SEOUL_MIDNIGHT_S + seed * DAY_S
    return GlucoseModel(get_scenario(name).glucose, seed).generate(day, DAY_S)


def _hr_run_s(trace: HeartTrace, condition: np.ndarray) -> float:
    return longest_run_s(trace.beat_s, condition, BEAT_GAP_S)


def _cgm_run_s(trace: GlucoseTrace, condition: np.ndarray) -> float:
    valid = ~np.isnan(trace.glucose_mg_dl)
    return longest_run_s(trace.time_s[valid], condition[valid], CGM_GAP_S)


def _max_af_burden_s(trace: HeartTrace) -> float:
    af_rr_s = np.where(trace.rhythm == Rhythm.AF, trace.rr_ms / 1000.0, 0.0)
    burden = [
        af_rr_s[(trace.beat_s >= t) & (trace.beat_s < t + 3600.0)].sum()
        for t in np.arange(trace.beat_s[0], trace.beat_s[-1], 600.0)
    ]
    return float(max(burden))


def test_registry_has_the_required_scenarios() -> None:
    required = {
        "healthy",
        "paroxysmal_af",
        "bradycardia",
        "tachycardia",
        "nocturnal_hypo",
        "hyperglycaemia",
        "noisy_sensor",
        "gateway_outage",
    }
    assert required <= set(SCENARIOS)
    assert all(SCENARIOS[name].name == name for name in SCENARIOS)


def test_unknown_scenario_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownScenarioError, match="healthy"):
        get_scenario("no_such_thing")


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_heart_raises_no_rate_or_rhythm_rule(seed: int) -> None:
    trace = _heart("healthy", seed)
    assert _hr_run_s(trace, trace.hr_bpm < cc.BRADY_MEDIUM_BPM) < RATE_MIN_S
    assert _hr_run_s(trace, trace.hr_bpm > cc.TACHY_MEDIUM_BPM) < RATE_MIN_S
    assert not np.any(trace.rhythm == Rhythm.AF)


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_glucose_has_no_hypo_or_prolonged_hyper(seed: int) -> None:
    trace = _glucose("healthy", seed)
    assert _cgm_run_s(trace, trace.glucose_mg_dl < cc.LOW_MG_DL) < HYPO_MIN_S
    assert _cgm_run_s(trace, trace.glucose_mg_dl > cc.VERY_HIGH_MG_DL) < HYPER_MIN_S


@pytest.mark.parametrize("seed", SEEDS)
def test_bradycardia_has_ten_minutes_below_fifty(seed: int) -> None:
    trace = _heart("bradycardia", seed)
    assert _hr_run_s(trace, trace.hr_bpm < cc.BRADY_MEDIUM_BPM) >= RATE_MIN_S


@pytest.mark.parametrize("seed", SEEDS)
def test_tachycardia_has_ten_minutes_above_one_twenty(seed: int) -> None:
    trace = _heart("tachycardia", seed)
    assert _hr_run_s(trace, trace.hr_bpm > cc.TACHY_MEDIUM_BPM) >= RATE_MIN_S


@pytest.mark.parametrize("seed", SEEDS)
def test_paroxysmal_af_has_five_minutes_af_within_an_hour(seed: int) -> None:
    assert _max_af_burden_s(_heart("paroxysmal_af", seed)) >= AF_BURDEN_S


@pytest.mark.parametrize("seed", SEEDS)
def test_nocturnal_hypo_is_below_seventy_for_fifteen_minutes_at_night(seed: int) -> None:
    trace = _glucose("nocturnal_hypo", seed)
    night = local_hours(trace.time_s) < 6.0
    assert _cgm_run_s(trace, (trace.glucose_mg_dl < cc.LOW_MG_DL) & night) >= HYPO_MIN_S
    assert _cgm_run_s(trace, (trace.blood_glucose_mg_dl < cc.VERY_LOW_MG_DL) & night) >= HYPO_MIN_S


def test_nocturnal_hypo_reaches_the_sensor_low_at_night() -> None:
    # Over all seeds some nights go below the CGM's 40 mg/dL floor (reported as LOW), the
    # case the alert rules must treat as glucose rather than as a gap.
    low = [(_glucose("nocturnal_hypo", seed).flags & CgmFlag.LOW) > 0 for seed in SEEDS]
    assert sum(int(m.sum()) for m in low) >= 3


@pytest.mark.parametrize("seed", SEEDS)
def test_hyperglycaemia_is_above_two_fifty_for_two_hours(seed: int) -> None:
    trace = _glucose("hyperglycaemia", seed)
    assert _cgm_run_s(trace, trace.glucose_mg_dl > cc.VERY_HIGH_MG_DL) >= HYPER_MIN_S


def test_noisy_sensor_loses_contact_and_readings_more_than_healthy() -> None:
    noisy_heart, healthy_heart = _heart("noisy_sensor", 0), _heart("healthy", 0)
    noisy_cgm, healthy_cgm = _glucose("noisy_sensor", 0), _glucose("healthy", 0)
    assert np.mean(~noisy_heart.contact) > 3 * np.mean(~healthy_heart.contact)
    assert np.isnan(noisy_cgm.glucose_mg_dl).mean() > 3 * np.isnan(healthy_cgm.glucose_mg_dl).mean()


def test_gateway_outage_faults_exceed_the_technical_alert_thresholds() -> None:
    faults = get_scenario("gateway_outage").faults
    kinds = {f.kind for f in faults}
    assert {FaultKind.RADIO_OUT_OF_RANGE, FaultKind.NETWORK_DOWN} <= kinds
    radio = next(f for f in faults if f.kind is FaultKind.RADIO_OUT_OF_RANGE)
    network = next(f for f in faults if f.kind is FaultKind.NETWORK_DOWN)
    assert radio.duration_s > 15 * 60.0  # stale_device (HR)
    assert network.duration_s > 10 * 60.0  # gateway_offline
    ends = [f.start_offset_s + f.duration_s for f in sorted(faults, key=lambda f: f.start_offset_s)]
    starts = sorted(f.start_offset_s for f in faults)
    assert all(end <= nxt for end, nxt in zip(ends, starts[1:], strict=False))


def test_only_gateway_outage_carries_faults() -> None:
    assert [s.name for s in SCENARIOS.values() if s.faults] == ["gateway_outage"]


def _rules_fired(heart: HeartTrace, glucose: GlucoseTrace) -> set[str]:
    fired = set()
    if _hr_run_s(heart, heart.hr_bpm < cc.BRADY_MEDIUM_BPM) >= RATE_MIN_S:
        fired.add("bradycardia")
    if _hr_run_s(heart, heart.hr_bpm > cc.TACHY_MEDIUM_BPM) >= RATE_MIN_S:
        fired.add("tachycardia")
    if np.any(heart.rhythm == Rhythm.AF) and _max_af_burden_s(heart) >= AF_BURDEN_S:
        fired.add("af_burden")
    if _cgm_run_s(glucose, glucose.glucose_mg_dl < cc.LOW_MG_DL) >= HYPO_MIN_S:
        fired.add("hypo_level1")
    if _cgm_run_s(glucose, glucose.glucose_mg_dl > cc.VERY_HIGH_MG_DL) >= HYPER_MIN_S:
        fired.add("hyper_prolonged")
    return fired


EXPECTED_RULES = {
    "paroxysmal_af": {"af_burden"},
    "bradycardia": {"bradycardia"},
    "tachycardia": {"tachycardia"},
    "nocturnal_hypo": {"hypo_level1"},
    "hyperglycaemia": {"hyper_prolonged"},
}


def test_every_cohort_member_fires_exactly_its_scenario_rules() -> None:
    day = SEOUL_MIDNIGHT_S + DAY_S
    for person in cohort(20, seed=1):
        heart = HeartModel(person.heart, person.seed).generate(day, DAY_S)
        glucose = GlucoseModel(person.glucose, person.seed).generate(day, DAY_S)
        expected = EXPECTED_RULES.get(person.scenario.name, set())
        assert _rules_fired(heart, glucose) == expected, person.participant_id


def test_walks_that_raise_heart_rate_are_the_walks_that_lower_glucose() -> None:
    person = cohort(1, seed=3)[0]
    heart = HeartModel(person.heart, person.seed).generate(SEOUL_MIDNIGHT_S, DAY_S)
    glucose = GlucoseModel(person.glucose, person.seed).generate(SEOUL_MIDNIGHT_S, DAY_S)
    walks = [(e.start_s, e.end_s) for e in heart.episodes if e.kind is EpisodeKind.ACTIVITY]
    exercise = [(e.start_s, e.end_s) for e in glucose.episodes if e.kind is EpisodeKind.EXERCISE]
    assert len(walks) == 3
    assert walks == exercise


def test_active_faults_follow_the_schedule() -> None:
    faults = get_scenario("gateway_outage").faults
    network = next(f for f in faults if f.kind is FaultKind.NETWORK_DOWN)
    assert active_faults(faults, network.start_offset_s) == {FaultKind.NETWORK_DOWN}
    assert active_faults(faults, network.start_offset_s + network.duration_s) == frozenset()
    assert active_faults(faults, 0.0) == frozenset()


def test_frequent_ectopy_has_many_premature_beats_and_no_af() -> None:
    trace = _heart("frequent_ectopy", 0)
    ectopic_per_hour = np.sum(trace.rhythm == Rhythm.ECTOPIC) / 24.0
    assert 200.0 < ectopic_per_hour < 320.0
    assert not np.any(trace.rhythm == Rhythm.AF)
    assert _hr_run_s(trace, trace.hr_bpm > cc.TACHY_MEDIUM_BPM) < RATE_MIN_S
