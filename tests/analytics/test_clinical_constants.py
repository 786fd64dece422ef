"""Every clinical threshold has one home, and every default elsewhere derives from it."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path

import analytics
import analytics.cardiac as cardiac
import analytics.clinical_constants as cc
import analytics.glycemic.agp as agp
import analytics.glycemic.events as events
import analytics.quality as quality
import analytics.rules as rules
from analytics.cardiac import RateThresholds, af_burden, af_episodes
from analytics.glycemic import predicted_low
from analytics.rules import Thresholds

ANALYTICS = Path(analytics.__file__).parent


def _default(func: Callable[..., object], name: str) -> object:
    return inspect.signature(func).parameters[name].default


def test_the_thresholds_are_the_pilot_defaults() -> None:
    assert (cc.VERY_LOW_MG_DL, cc.LOW_MG_DL, cc.HIGH_MG_DL, cc.VERY_HIGH_MG_DL) == (
        54.0,
        70.0,
        180.0,
        250.0,
    )
    assert cc.TIGHT_HIGH_MG_DL == 140.0
    assert (cc.EVENT_MIN_DURATION_MIN, cc.EVENT_END_DURATION_MIN) == (15.0, 15.0)
    assert (cc.HYPER_PROLONGED_MIN, cc.PREDICTED_LOW_WITHIN_MIN) == (120.0, 30)
    assert (cc.REPORT_PERIOD_DAYS, cc.REPORT_MIN_ACTIVE_PERCENT) == (14, 70.0)
    assert (cc.RR_MIN_MS, cc.RR_MAX_MS, cc.WINDOW_S, cc.MIN_COVERAGE) == (200.0, 3000.0, 300.0, 0.8)
    assert (cc.TACHY_MEDIUM_BPM, cc.TACHY_HIGH_BPM) == (120.0, 150.0)
    assert (cc.BRADY_MEDIUM_BPM, cc.BRADY_HIGH_BPM, cc.SUSTAINED_RATE_MIN) == (50.0, 40.0, 10.0)
    assert (cc.AF_MIN_EPISODE_S, cc.AF_BURDEN_MIN, cc.AF_BURDEN_LOOKBACK_MIN) == (30.0, 5.0, 60.0)
    assert (cc.STALE_HR_MIN, cc.STALE_CGM_MIN, cc.GATEWAY_OFFLINE_MIN) == (15.0, 30.0, 10.0)
    assert (cc.BATTERY_LOW_PCT, cc.BATTERY_CRITICAL_PCT) == (20.0, 5.0)


def test_one_severity_enum() -> None:
    assert rules.Severity is cc.Severity
    assert not hasattr(cardiac, "Severity")
    assert [s.value for s in cc.Severity] == ["HIGH", "MEDIUM", "LOW"]


def test_rule_defaults_derive_from_the_constants() -> None:
    th = Thresholds()
    assert th.hypo_level2.threshold_mg_dl == cc.VERY_LOW_MG_DL
    assert th.hypo_level1.threshold_mg_dl == cc.LOW_MG_DL
    assert th.hypo_level1.min_duration_min == cc.EVENT_MIN_DURATION_MIN
    assert th.hyper_prolonged.threshold_mg_dl == cc.VERY_HIGH_MG_DL
    assert th.hyper_prolonged.min_duration_min == cc.HYPER_PROLONGED_MIN
    assert th.predicted_low.threshold_mg_dl == cc.LOW_MG_DL
    assert th.predicted_low.within_min == cc.PREDICTED_LOW_WITHIN_MIN
    assert (th.tachycardia.medium_bpm, th.tachycardia.high_bpm) == (
        cc.TACHY_MEDIUM_BPM,
        cc.TACHY_HIGH_BPM,
    )
    assert (th.bradycardia.medium_bpm, th.bradycardia.high_bpm) == (
        cc.BRADY_MEDIUM_BPM,
        cc.BRADY_HIGH_BPM,
    )
    assert th.af_burden.min_episode_s == cc.AF_MIN_EPISODE_S
    assert th.low_coverage.min_coverage == cc.MIN_COVERAGE
    assert th.low_coverage.window_min * 60.0 == cc.WINDOW_S
    assert (th.stale_device.hr_limit_min, th.stale_device.cgm_limit_min) == (
        cc.STALE_HR_MIN,
        cc.STALE_CGM_MIN,
    )
    assert th.gateway_offline.limit_min == cc.GATEWAY_OFFLINE_MIN
    assert (th.battery_low.low_pct, th.battery_low.medium_pct) == (
        cc.BATTERY_LOW_PCT,
        cc.BATTERY_CRITICAL_PCT,
    )


def test_detector_defaults_derive_from_the_constants() -> None:
    rate = RateThresholds()
    assert rate.tachy_medium_bpm == cc.TACHY_MEDIUM_BPM
    assert rate.brady_high_bpm == cc.BRADY_HIGH_BPM
    assert rate.min_duration_s == 60.0 * cc.SUSTAINED_RATE_MIN
    assert rate.min_coverage == cc.MIN_COVERAGE
    ev = events.EpisodeThresholds()
    assert (ev.lv2_hypo_mg_dl, ev.lv1_hypo_mg_dl) == (cc.VERY_LOW_MG_DL, cc.LOW_MG_DL)
    assert (ev.lv1_hyper_mg_dl, ev.lv2_hyper_mg_dl) == (cc.HIGH_MG_DL, cc.VERY_HIGH_MG_DL)
    assert _default(predicted_low, "threshold_mg_dl") == cc.LOW_MG_DL
    assert _default(predicted_low, "within_min") == cc.PREDICTED_LOW_WITHIN_MIN
    assert _default(af_episodes, "min_duration_s") == cc.AF_MIN_EPISODE_S
    assert _default(af_burden, "window_s") == 60.0 * cc.AF_BURDEN_LOOKBACK_MIN
    assert _default(agp.data_sufficiency, "min_active_percent") == cc.REPORT_MIN_ACTIVE_PERCENT
    assert _default(agp.data_sufficiency, "period_days") == cc.REPORT_PERIOD_DAYS


def test_no_second_home_for_moved_constants() -> None:
    assert not hasattr(quality, "MIN_COVERAGE")
    assert not hasattr(cardiac, "RR_MIN_MS")
    assert not hasattr(events, "LV1_HYPO_MG_DL")


def _assigned_literals(path: Path) -> list[tuple[str, float]]:
    """Module-level ``NAME = <number>`` assignments of one file."""
    out: list[tuple[str, float]] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets: list[ast.expr]
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, int | float):
            out.extend((t.id, float(value.value)) for t in targets if isinstance(t, ast.Name))
    return out


def test_no_analytics_module_redefines_a_threshold_name() -> None:
    names = {
        name for name in vars(cc) if name.isupper() and isinstance(getattr(cc, name), int | float)
    }
    home = Path(cc.__file__)
    clashes = [
        f"{path.relative_to(ANALYTICS.parent)}: {name}"
        for path in sorted(ANALYTICS.rglob("*.py"))
        if path != home
        for name, _ in _assigned_literals(path)
        if name in names
    ]
    assert not clashes, "import these from analytics.clinical_constants:\n" + "\n".join(clashes)
