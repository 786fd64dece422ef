"""Glucose rules: hypo levels 1 and 2, prolonged hyperglycaemia, predicted low."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.rules import FindingKind, Severity, Thresholds, evaluate_participant
from tests.analytics.rules.conftest import T0, cgm, window


def _by_rule(values: list[float], rule_id: str, thresholds: Thresholds | None = None) -> list:
    w = window(**cgm(values))
    now = float(w.cgm_times_s[-1])
    return [f for f in evaluate_participant(w, thresholds, now_s=now) if f.rule_id == rule_id]


def _dip(level: float, n_points: int, base: float = 110.0) -> list[float]:
    """Two hours at ``base``, ``n_points`` readings at ``level``, two hours at ``base``."""
    return [base] * 24 + [level] * n_points + [base] * 24


def test_hypo_level1_fires_for_15_minutes_below_70() -> None:
    (f,) = _by_rule(_dip(69.0, 3), "hypo_level1")
    assert (f.severity, f.kind, f.unit) == (Severity.MEDIUM, FindingKind.PHYSIOLOGICAL, "mg/dL")
    assert (f.onset_s, f.worst_value) == (T0 + 24 * 300, 69.0)
    assert f.evidence["duration_min"] == 15.0


def test_hypo_level1_does_not_fire_at_exactly_70() -> None:
    assert _by_rule(_dip(70.0, 6), "hypo_level1") == []


def test_hypo_level1_does_not_fire_for_10_minutes() -> None:
    assert _by_rule(_dip(60.0, 2), "hypo_level1") == []


def test_hypo_level2_fires_high_below_54() -> None:
    (f,) = _by_rule(_dip(53.0, 4), "hypo_level2")
    assert f.severity is Severity.HIGH
    assert f.worst_value == 53.0


def test_hypo_level2_does_not_fire_at_exactly_54_but_level1_does() -> None:
    values = _dip(54.0, 4)
    assert _by_rule(values, "hypo_level2") == []
    assert len(_by_rule(values, "hypo_level1")) == 1


def test_hyper_prolonged_fires_low_after_two_hours_above_250() -> None:
    (f,) = _by_rule(_dip(251.0, 24, base=150.0), "hyper_prolonged")
    assert (f.severity, f.worst_value) == (Severity.LOW, 251.0)
    assert f.evidence["duration_min"] == 120.0


def test_hyper_prolonged_does_not_fire_after_115_minutes() -> None:
    assert _by_rule(_dip(300.0, 23, base=150.0), "hyper_prolonged") == []


def test_hyper_prolonged_does_not_fire_at_exactly_250() -> None:
    assert _by_rule(_dip(250.0, 30, base=150.0), "hyper_prolonged") == []


def test_hypo_still_below_at_the_newest_reading_is_ongoing() -> None:
    (f,) = _by_rule([110.0] * 24 + [60.0] * 5, "hypo_level1")
    assert f.ongoing


def test_hypo_is_not_closed_until_15_minutes_back_above() -> None:
    (f,) = _by_rule([110.0] * 24 + [60.0] * 5 + [90.0] * 2, "hypo_level1")
    assert f.ongoing


def test_hypo_closes_after_15_minutes_back_above() -> None:
    (f,) = _by_rule([110.0] * 24 + [60.0] * 5 + [90.0] * 3, "hypo_level1")
    assert f.end_s == T0 + 28 * 300


def test_override_of_hypo_threshold_changes_outcome_and_version() -> None:
    values = _dip(72.0, 4)
    assert _by_rule(values, "hypo_level1") == []
    custom = Thresholds().override("hypo_level1", version="h1-p3", threshold_mg_dl=75.0)
    (f,) = _by_rule(values, "hypo_level1", custom)
    assert (f.rule_version, f.evidence["threshold_mg_dl"]) == ("h1-p3", 75.0)


def test_predicted_low_fires_on_a_fast_fall_before_the_hypo() -> None:
    values = [140.0] * 24 + list(140.0 - 10.0 * np.arange(1, 9)) + [60.0] * 4  # -2 mg/dL/min
    (pred,) = _by_rule(values, "predicted_low")
    (hypo,) = _by_rule(values, "hypo_level1")
    assert pred.severity is Severity.MEDIUM
    assert pred.onset_s < hypo.onset_s
    assert pred.worst_value < 70.0


def test_predicted_low_silent_on_stable_glucose() -> None:
    assert _by_rule([110.0] * 48, "predicted_low") == []


def test_predicted_low_ignores_single_noisy_readings() -> None:
    # Stable at 105 mg/dL; three isolated readings dragged down to 62 by sensor noise.
    values = [105.0] * 48
    for i in (14, 26, 38):
        values[i] = 62.0
    assert _by_rule(values, "predicted_low") == []
    unguarded = Thresholds().override("predicted_low", version="t", confirm_readings=1)
    assert len(_by_rule(values, "predicted_low", unguarded)) == 3


def test_duplicate_cgm_readings_are_tolerated() -> None:
    parts = cgm(_dip(60.0, 4))
    t = np.insert(parts["cgm_times_s"], 30, parts["cgm_times_s"][30])
    g = np.insert(parts["cgm_mg_dl"], 30, parts["cgm_mg_dl"][30])
    w = window(cgm_times_s=t, cgm_mg_dl=g)
    ids = [f.rule_id for f in evaluate_participant(w, None, now_s=float(t[-1]))]
    assert "hypo_level1" in ids


@pytest.mark.parametrize("rule_id", ["hypo_level1", "hypo_level2", "hyper_prolonged"])
def test_stale_cgm_closes_an_open_glucose_episode(rule_id: str) -> None:
    level = 300.0 if rule_id == "hyper_prolonged" else 45.0
    w = window(**cgm([150.0] * 6 + [level] * 30))
    now = float(w.cgm_times_s[-1]) + 31 * 60
    (f,) = [f for f in evaluate_participant(w, None, now_s=now) if f.rule_id == rule_id]
    assert not f.ongoing


def test_sudden_drop_into_a_hypo_is_flagged_as_implausible() -> None:
    (f,) = _by_rule([110.0] * 24 + [50.0] * 4 + [110.0] * 6, "hypo_level1")
    assert f.evidence["implausible_jumps"] >= 1.0


def test_gradual_fall_into_a_hypo_has_no_implausible_jump() -> None:
    values = [110.0] * 24 + list(110.0 - 10.0 * np.arange(1, 6)) + [60.0] * 4 + [110.0] * 6
    (f,) = _by_rule(values, "hypo_level1")
    assert f.evidence["implausible_jumps"] == 0.0
