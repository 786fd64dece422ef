"""Coverage gate: no rate or rhythm finding below 80 % coverage, a low_coverage signal instead."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analytics.rules import (
    FindingKind,
    Severity,
    Thresholds,
    coverage_gate,
    evaluate_participant,
)
from tests.analytics.rules.conftest import T0, heart, last_time, window


def _ids(findings: list) -> list[str]:
    return [f.rule_id for f in findings]


def test_tachycardia_at_70_percent_coverage_raises_low_coverage_instead() -> None:
    w = window(**heart([(600, 70), (1200, 130), (600, 70)], keep_s_of_10=7.0))
    findings = evaluate_participant(w, None, now_s=last_time(w))
    assert "tachycardia" not in _ids(findings)
    (low,) = [f for f in findings if f.rule_id == "low_coverage"]
    assert (low.severity, low.kind) == (Severity.LOW, FindingKind.TECHNICAL)
    assert low.evidence["coverage"] < 0.8
    assert low.evidence["rate_condition_min"] > 15.0


def test_tachycardia_at_90_percent_coverage_fires() -> None:
    w = window(**heart([(600, 70), (1200, 130), (600, 70)], keep_s_of_10=9.0))
    findings = evaluate_participant(w, None, now_s=last_time(w))
    assert "tachycardia" in _ids(findings)
    assert "low_coverage" not in _ids(findings)


def test_gate_fraction_matches_the_kept_share() -> None:
    w = window(**heart([(1800, 60)], keep_s_of_10=7.0))
    gate = coverage_gate(w, Thresholds(), now_s=last_time(w))
    np.testing.assert_allclose(gate.coverage.fraction[:-1], 0.7, atol=0.01)
    assert not gate.passes.any()


def test_gap_without_data_is_not_low_coverage() -> None:
    before = heart([(1200, 70)])
    after = heart([(1200, 70)], start_s=T0 + 3600)
    parts: dict[str, Any] = {k: np.concatenate((before[k], after[k])) for k in before}
    w = window(**parts)
    assert "low_coverage" not in _ids(evaluate_participant(w, None, now_s=last_time(w)))


def test_short_low_coverage_stretch_raises_nothing() -> None:
    good = heart([(1200, 70)])
    poor = heart([(300, 70)], start_s=T0 + 1200, keep_s_of_10=5.0)
    tail = heart([(1200, 70)], start_s=T0 + 1500)
    parts: dict[str, Any] = {k: np.concatenate((good[k], poor[k], tail[k])) for k in good}
    w = window(**parts)
    assert "low_coverage" not in _ids(evaluate_participant(w, None, now_s=last_time(w)))


def test_gate_without_rr_uses_heart_rate_samples() -> None:
    parts = heart([(1800, 70)])
    w = window(hr_times_s=parts["hr_times_s"][::20], hr_bpm=parts["hr_bpm"][::20])
    gate = coverage_gate(w, Thresholds(), now_s=last_time(w))
    np.testing.assert_allclose(gate.coverage.fraction[:-1], 0.5, atol=0.01)


def test_stricter_gate_override_suppresses_a_finding_at_85_percent() -> None:
    w = window(**heart([(600, 70), (1200, 130), (600, 70)], keep_s_of_10=8.5))
    custom = Thresholds().override("low_coverage", version="g2", min_coverage=0.9)
    findings = evaluate_participant(w, custom, now_s=last_time(w))
    assert "tachycardia" not in _ids(findings)
    (low,) = [f for f in findings if f.rule_id == "low_coverage"]
    assert low.rule_version == "g2"


@pytest.mark.parametrize("keep", [7.0, 9.0])
def test_low_coverage_is_ongoing_when_it_reaches_the_newest_sample(keep: float) -> None:
    w = window(**heart([(1800, 70)], keep_s_of_10=keep))
    lows = [f for f in evaluate_participant(w, None, last_time(w)) if f.rule_id == "low_coverage"]
    assert [f.ongoing for f in lows] == ([True] if keep < 8 else [])


def test_windows_without_rr_fall_back_on_heart_rate_samples() -> None:
    parts = heart([(1800, 130)])
    late = parts["rr_times_s"] > T0 + 900  # RR stops after 15 min, HR samples continue
    w = window(
        hr_times_s=parts["hr_times_s"],
        hr_bpm=parts["hr_bpm"],
        rr_times_s=parts["rr_times_s"][~late],
        rr_ms=parts["rr_ms"][~late],
    )
    gate = coverage_gate(w, Thresholds(), now_s=last_time(w))
    assert gate.passes.all()
    (f,) = [f for f in evaluate_participant(w, None, last_time(w)) if f.rule_id == "tachycardia"]
    assert f.ongoing
