"""af_burden: >= 5 min of AF-like rhythm in the last hour, non-diagnostic, burden in percent."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.cardiac import af_burden, detect_af_proba
from analytics.rules import Severity, ThresholdError, Thresholds, evaluate_participant
from analytics.rules.gate import coverage_gate
from analytics.rules.rhythm import findings_from_proba
from simulators.physiology.af import af_rr_ms
from tests.analytics.rules.conftest import T0, window

RNG_SEED = 20261122


def _rr(sinus_before_min: float, af_min: float, sinus_after_min: float) -> np.ndarray:
    """Sinus RR (800 ms with respiratory modulation), then AF (the simulators' AV-node
    renewal model at 86 bpm, coefficient of variation 0.2), then sinus again."""
    rng = np.random.default_rng(RNG_SEED)

    def sinus(minutes: float) -> np.ndarray:
        n = int(minutes * 60 / 0.8)
        return 800.0 + 40.0 * np.sin(np.arange(n) / 3.0) + rng.normal(0.0, 5.0, n)

    af = af_rr_ms(rng, int(af_min * 60 / 0.7), 700.0, 0.2)
    return np.concatenate((sinus(sinus_before_min), af, sinus(sinus_after_min)))


def _af_findings(rr: np.ndarray, thresholds: Thresholds | None = None, **kw: float) -> list:
    t = T0 + np.cumsum(rr) / 1000.0
    w = window(rr_times_s=t, rr_ms=rr)
    now = float(t[-1]) + kw.get("now_after_s", 0.0)
    return [f for f in evaluate_participant(w, thresholds, now_s=now) if f.rule_id == "af_burden"]


def test_seven_minutes_of_af_in_an_hour_fires_medium_non_diagnostic() -> None:
    (f,) = _af_findings(_rr(20, 7, 20))
    assert f.severity is Severity.MEDIUM
    assert "non-diagnostic" in f.summary
    assert f.unit == "%"
    assert 5.0 <= f.evidence["burden_min"] <= 8.0


def test_five_and_a_half_minutes_of_af_fire() -> None:
    (f,) = _af_findings(_rr(20, 5.5, 20))
    assert f.evidence["burden_min"] >= 5.0


def test_four_and_a_half_minutes_of_af_raise_nothing() -> None:
    assert _af_findings(_rr(20, 4.5, 20)) == []


def test_sinus_rhythm_raises_nothing() -> None:
    assert _af_findings(_rr(60, 0, 0)) == []


def test_burden_percent_is_af_minutes_over_monitored_minutes() -> None:
    (f,) = _af_findings(_rr(20, 10, 5))
    expected = 100.0 * f.evidence["burden_min"] / f.evidence["monitored_min"]
    assert f.worst_value == pytest.approx(expected)


def test_burden_at_newest_beat_equals_cardiac_af_burden() -> None:
    rr = _rr(50, 8, 2)
    t = T0 + np.cumsum(rr) / 1000.0
    (f,) = _af_findings(rr)
    labels = detect_af_proba(rr) >= Thresholds().af_burden.min_confidence
    reference = af_burden(labels, rr, times_s=t).minutes_last_window
    assert f.ongoing
    assert f.evidence["burden_min"] == pytest.approx(reference, abs=1e-6)


def test_finding_ends_when_af_leaves_the_look_back_hour() -> None:
    rr = _rr(10, 8, 80)
    (f,) = _af_findings(rr)
    assert f.end_s is not None
    af_start = T0 + 10 * 60
    # Burden drops below 5 min once less than 5 of the 8 AF minutes are in the hour.
    assert f.end_s == pytest.approx(af_start + 3 * 60 + 3600, abs=60)


def test_af_under_low_coverage_is_withheld() -> None:
    rr = _rr(20, 10, 20)
    t = T0 + np.cumsum(rr) / 1000.0
    keep = (t - T0) % 10.0 < 6.5
    w = window(rr_times_s=t[keep], rr_ms=rr[keep])
    ids = [f.rule_id for f in evaluate_participant(w, None, now_s=float(t[-1]))]
    assert "af_burden" not in ids
    assert "low_coverage" in ids


def test_override_of_minimum_burden_changes_outcome_and_version() -> None:
    rr = _rr(20, 4, 20)
    custom = Thresholds().override("af_burden", version="af-p7", min_burden_min=3.0)
    (f,) = _af_findings(rr, custom)
    assert f.rule_version == "af-p7"


def _proba_findings(proba: np.ndarray, thresholds: Thresholds) -> list:
    """af_burden on 80 min of 800-ms beats with the given AF probability per beat."""
    rr = np.full(proba.size, 800.0)
    t = T0 + np.cumsum(rr) / 1000.0
    w = window(rr_times_s=t, rr_ms=rr)
    now = float(t[-1])
    return findings_from_proba(w, proba, thresholds, coverage_gate(w, thresholds, now), now)


def test_borderline_irregularity_needs_a_confident_beat_to_count() -> None:
    # 20 min at a probability between the rule's two confidences, inside sinus rhythm
    # (the defaults are both 0.9; a deployment may open the gap: 0.6 / 0.9 here)
    gap = Thresholds().override(
        "af_burden", version="af-gap", min_confidence=0.6, peak_confidence=0.9
    )
    rule = gap.af_burden
    proba = np.full(6000, 0.01)
    proba[1500:3000] = 0.5 * (rule.min_confidence + rule.peak_confidence)
    assert _proba_findings(proba, gap) == []
    proba[2000] = rule.peak_confidence  # one confident beat: the whole episode counts
    (f,) = _proba_findings(proba, gap)
    assert f.evidence["burden_min"] == pytest.approx(20.0, abs=0.1)
    relaxed = gap.override("af_burden", version="af-p8", peak_confidence=rule.min_confidence)
    proba[2000] = proba[1999]
    (f,) = _proba_findings(proba, relaxed)
    assert f.rule_version == "af-p8"


def test_af_episode_counts_from_its_first_confident_enough_beat() -> None:
    # Simulated AF reaches the peak confidence: the whole episode counts.
    (f,) = _af_findings(_rr(20, 7, 20))
    assert f.evidence["burden_min"] >= 6.0


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"min_confidence": 0.0}, "min_confidence"),
        ({"peak_confidence": 1.0}, "peak_confidence"),
        ({"min_confidence": 0.95, "peak_confidence": 0.9}, "peak_confidence"),
    ],
)
def test_confidences_outside_zero_one_or_inverted_are_rejected(changes: dict, name: str) -> None:
    with pytest.raises(ThresholdError, match=name):
        Thresholds().override("af_burden", version="bad", **changes)
