"""tachycardia / bradycardia: thresholds, 10-minute duration, severity, spikes, ongoing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from analytics.rules import FindingKind, Severity, Thresholds, evaluate_participant
from tests.analytics.rules.conftest import T0, heart, last_time, window

TEN_MIN_S = 601.0  # 1 Hz samples spanning exactly 600 s from first to last


def _rate(findings: list, rule_id: str) -> list:
    return [f for f in findings if f.rule_id == rule_id]


def _run(segments: Sequence[tuple[float, float]], thresholds: Thresholds | None = None) -> list:
    w = window(**heart(segments))
    return evaluate_participant(w, thresholds, now_s=last_time(w))


def test_tachycardia_fires_just_above_120_for_ten_minutes() -> None:
    (f,) = _rate(_run([(600, 70), (TEN_MIN_S, 120.5), (600, 70)]), "tachycardia")
    assert (f.severity, f.kind, f.unit) == (Severity.MEDIUM, FindingKind.PHYSIOLOGICAL, "bpm")
    assert f.onset_s == T0 + 600
    assert f.worst_value == 120.5


def test_tachycardia_does_not_fire_at_exactly_120() -> None:
    assert _rate(_run([(600, 70), (1200, 120), (600, 70)]), "tachycardia") == []


def test_tachycardia_does_not_fire_for_nine_and_a_half_minutes() -> None:
    assert _rate(_run([(600, 70), (570, 130), (600, 70)]), "tachycardia") == []


@pytest.mark.parametrize(
    ("bpm", "severity", "threshold"),
    [(125.0, Severity.MEDIUM, 120.0), (155.0, Severity.HIGH, 150.0)],
)
def test_tachycardia_severity_escalates_above_150(
    bpm: float, severity: Severity, threshold: float
) -> None:
    (f,) = _rate(_run([(300, 70), (900, bpm), (300, 70)]), "tachycardia")
    assert f.severity is severity
    assert f.evidence["threshold_bpm"] == threshold


@pytest.mark.parametrize(("bpm", "severity"), [(49.5, Severity.MEDIUM), (39.5, Severity.HIGH)])
def test_bradycardia_severity_below_50_and_40(bpm: float, severity: Severity) -> None:
    (f,) = _rate(_run([(300, 70), (900, bpm), (300, 70)]), "bradycardia")
    assert f.severity is severity
    assert f.worst_value == bpm


def test_bradycardia_does_not_fire_at_exactly_50() -> None:
    assert _rate(_run([(300, 70), (900, 50), (300, 70)]), "bradycardia") == []


def test_isolated_spikes_raise_nothing() -> None:
    w = window(**heart([(3600, 70)]))
    hr = w.hr_bpm.copy()
    hr[::30] = 200.0  # one 200-bpm sample every 30 s for an hour
    spiky = window(hr_times_s=w.hr_times_s, hr_bpm=hr, rr_times_s=w.rr_times_s, rr_ms=w.rr_ms)
    findings = evaluate_participant(spiky, None, now_s=last_time(spiky))
    assert [f for f in findings if f.rule_id in {"tachycardia", "bradycardia"}] == []


def test_episode_reaching_the_newest_sample_is_ongoing() -> None:
    (f,) = _rate(_run([(600, 70), (900, 130)]), "tachycardia")
    assert f.ongoing
    assert f.end_s is None


def test_episode_followed_by_normal_rate_is_closed() -> None:
    (f,) = _rate(_run([(600, 70), (900, 130), (600, 70)]), "tachycardia")
    assert f.end_s is not None
    assert f.end_s == pytest.approx(T0 + 1499.0)


def test_episode_of_a_stale_stream_is_closed_at_its_last_sample() -> None:
    w = window(**heart([(600, 70), (900, 130)]))
    (f,) = _rate(evaluate_participant(w, None, now_s=last_time(w) + 16 * 60), "tachycardia")
    assert f.end_s == pytest.approx(last_time(w))


def test_override_lowers_the_threshold_and_records_its_version() -> None:
    segments = [(300, 70), (900, 115), (300, 70)]
    assert _rate(_run(segments), "tachycardia") == []
    custom = Thresholds().override("tachycardia", version="p042-r1", medium_bpm=110.0)
    (f,) = _rate(_run(segments, custom), "tachycardia")
    assert (f.rule_version, f.evidence["threshold_bpm"]) == ("p042-r1", 110.0)


def test_default_findings_carry_the_default_version() -> None:
    (f,) = _rate(_run([(300, 70), (900, 130)]), "tachycardia")
    assert f.rule_version == Thresholds().version("tachycardia")


def test_rate_rules_use_rr_when_no_heart_rate_samples() -> None:
    parts = heart([(300, 70), (900, 130), (300, 70)])
    w = window(rr_times_s=parts["rr_times_s"], rr_ms=parts["rr_ms"])
    (f,) = _rate(evaluate_participant(w, None, now_s=last_time(w)), "tachycardia")
    assert f.worst_value == pytest.approx(130.0)


def test_longer_duration_override_for_bradycardia_only() -> None:
    segments = [(300, 70), (900, 45), (300, 70), (900, 130)]
    custom = Thresholds().override("bradycardia", version="b2", min_duration_min=20.0)
    findings = _run(segments, custom)
    assert _rate(findings, "bradycardia") == []
    assert len(_rate(findings, "tachycardia")) == 1
    assert np.isclose(_rate(_run(segments), "bradycardia")[0].worst_value, 45.0)


def test_clean_tachycardia_has_no_implausible_jumps() -> None:
    (f,) = _rate(_run([(300, 70), (900, 130), (300, 70)]), "tachycardia")
    assert f.evidence["implausible_jump_share"] < 0.01


def test_jumpy_tachycardia_reports_its_implausible_jumps() -> None:
    w = window(**heart([(300, 70), (900, 130), (300, 70)]))
    hr = w.hr_bpm.copy()
    hr[300:1200:2] = 165.0  # alternating 130 / 165 bpm: a jump every sample
    jumpy = window(hr_times_s=w.hr_times_s, hr_bpm=hr, rr_times_s=w.rr_times_s, rr_ms=w.rr_ms)
    (f,) = _rate(evaluate_participant(jumpy, None, last_time(jumpy)), "tachycardia")
    assert f.evidence["implausible_jump_share"] > 0.9
