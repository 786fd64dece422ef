"""Thresholds: docs/clinical.md defaults, per-rule versions, validated overrides."""

from __future__ import annotations

import dataclasses

import pytest

from analytics.rules import DEFAULT_VERSION, RuleId, ThresholdError, Thresholds


def test_every_rule_of_the_alert_table_has_parameters_with_a_version() -> None:
    th = Thresholds()
    assert {f.name for f in dataclasses.fields(th)} == {r.value for r in RuleId}
    assert {th.version(r) for r in RuleId} == {DEFAULT_VERSION}


def test_defaults_follow_clinical_md() -> None:
    th = Thresholds()
    assert (th.hypo_level2.threshold_mg_dl, th.hypo_level1.threshold_mg_dl) == (54.0, 70.0)
    assert (th.tachycardia.medium_bpm, th.tachycardia.high_bpm) == (120.0, 150.0)
    assert (th.bradycardia.medium_bpm, th.bradycardia.high_bpm) == (50.0, 40.0)
    assert (th.hyper_prolonged.threshold_mg_dl, th.hyper_prolonged.min_duration_min) == (
        250.0,
        120.0,
    )
    assert (th.stale_device.hr_limit_min, th.stale_device.cgm_limit_min) == (15.0, 30.0)
    assert (th.battery_low.low_pct, th.battery_low.medium_pct) == (20.0, 5.0)
    assert th.af_burden.min_burden_min == 5.0
    assert th.low_coverage.min_coverage == 0.8


def test_override_changes_only_that_rule() -> None:
    th = Thresholds().override("bradycardia", version="b-7", medium_bpm=45.0)
    assert (th.bradycardia.medium_bpm, th.version("bradycardia")) == (45.0, "b-7")
    assert th.tachycardia == Thresholds().tachycardia


def test_override_with_the_same_version_is_refused() -> None:
    with pytest.raises(ThresholdError, match="new version"):
        Thresholds().override("tachycardia", version=DEFAULT_VERSION, medium_bpm=110.0)


def test_override_of_unknown_rule_is_refused() -> None:
    with pytest.raises(ThresholdError, match="unknown rule id"):
        Thresholds().override("tachy", version="x", medium_bpm=110.0)


def test_override_of_unknown_parameter_is_refused() -> None:
    with pytest.raises(ThresholdError, match="no parameter"):
        Thresholds().override("tachycardia", version="x", medium_mg_dl=110.0)


@pytest.mark.parametrize(
    ("rule_id", "changes"),
    [
        ("tachycardia", {"medium_bpm": 160.0}),
        ("bradycardia", {"high_bpm": 55.0}),
        ("battery_low", {"medium_pct": 30.0}),
        ("hypo_level1", {"threshold_mg_dl": -1.0}),
        ("low_coverage", {"min_coverage": 1.5}),
        ("predicted_low", {"within_min": 7}),
        ("predicted_low", {"confirm_readings": 0}),
        ("predicted_low", {"confirm_readings": 7}),
        ("predicted_low", {"confirm_readings": 1.5}),
        ("af_burden", {"min_burden_min": 90.0}),
    ],
)
def test_inconsistent_override_is_refused(rule_id: str, changes: dict[str, float]) -> None:
    with pytest.raises(ThresholdError):
        Thresholds().override(rule_id, version="bad", **changes)


def test_empty_version_is_refused() -> None:
    with pytest.raises(ThresholdError, match="version"):
        Thresholds().override("gateway_offline", version=" ", limit_min=5.0)


def test_with_overrides_applies_each_row_in_order() -> None:
    rows = [
        ("tachycardia", "t-2", {"medium_bpm": 110.0}),
        ("tachycardia", "t-3", {"high_bpm": 140.0}),
        ("hypo_level1", "h-2", {"threshold_mg_dl": 72.0}),
    ]
    th = Thresholds().with_overrides(rows)
    assert (th.tachycardia.medium_bpm, th.tachycardia.high_bpm) == (110.0, 140.0)
    assert (th.version("tachycardia"), th.version("hypo_level1")) == ("t-3", "h-2")
