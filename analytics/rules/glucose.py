"""Glucose rules: ``hypo_level2``, ``hypo_level1``, ``hyper_prolonged``, ``predicted_low``.

Episodes come from :func:`analytics.glycemic.glucose_episodes` (the ATTD consensus
episode: >= 15 min beyond the threshold to start, >= 15 min back to end, on iglu's
5-minute grid) and predicted lows from :func:`analytics.glycemic.predicted_low`; this
module chooses their thresholds from the rule set and turns them into findings.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from analytics.clinical_constants import Severity
from analytics.glycemic import (
    Episode,
    EpisodeThresholds,
    PredictedLowFinding,
    glucose_episodes,
    predicted_low,
)
from analytics.quality import glucose_jumps
from analytics.rules._common import still_open
from analytics.rules.errors import ThresholdError
from analytics.rules.finding import Finding, FindingKind
from analytics.rules.thresholds import GlucoseAboveRule, GlucoseBelowRule, RuleId, Thresholds
from analytics.rules.window import BoolArray, FloatArray, ParticipantWindow

# Rule -> (glycemic episode type, EpisodeThresholds field, priority); priorities from
# docs/clinical.md "Alerts" (IEC 60601-1-8 names).
_EPISODE_RULES = {
    RuleId.HYPO_LEVEL2: ("lv2_hypo", "lv2_hypo_mg_dl", Severity.HIGH),
    RuleId.HYPO_LEVEL1: ("lv1_hypo", "lv1_hypo_mg_dl", Severity.MEDIUM),
    RuleId.HYPER_PROLONGED: ("lv2_hyper", "lv2_hyper_mg_dl", Severity.LOW),
}
# Implausible jumps are counted from 15 min before onset (the entry into the episode):
# a sudden drop there suggests a sensor artefact such as a compression low (engineering
# choice: one 15-min episode length, docs/clinical.md "Events").
_ENTRY_S = 900.0
# analytics.glycemic resamples to a 5-minute grid, which needs two distinct times.
_MIN_READINGS = 2
_WORDS = {
    RuleId.HYPO_LEVEL2: "Level-2 hypoglycaemia",
    RuleId.HYPO_LEVEL1: "Level-1 hypoglycaemia",
    RuleId.HYPER_PROLONGED: "Prolonged hyperglycaemia",
}


def _datetime64(t_s: FloatArray) -> np.ndarray:
    """UTC epoch seconds to datetime64[ms] (what analytics.glycemic accepts)."""
    return np.round(t_s * 1000.0).astype(np.int64).astype("datetime64[ms]")


def _unique_readings(window: ParticipantWindow) -> tuple[FloatArray, FloatArray]:
    """CGM readings with duplicate times dropped (a re-sent reading keeps its first copy)."""
    t, first = np.unique(window.cgm_times_s, return_index=True)
    return t, window.cgm_mg_dl[first]


def _worst(t: FloatArray, g: FloatArray, a: float, b: float, below: bool, fallback: float) -> float:
    inside = g[(t >= a) & (t <= b)]
    if inside.size == 0:
        return fallback
    return float(inside.min() if below else inside.max())


def _episode_finding(
    rule_id: RuleId,
    rule: GlucoseBelowRule | GlucoseAboveRule,
    ep: Episode,
    readings: tuple[FloatArray, FloatArray, BoolArray],
    open_: bool,
) -> Finding:
    t, g, jumps = readings
    _, _, severity = _EPISODE_RULES[rule_id]
    below = rule_id is not RuleId.HYPER_PROLONGED
    a, b = ep.start.timestamp(), ep.end.timestamp()
    worst = _worst(t, g, a, b, below, ep.mean_glucose_mg_dl)
    sign = "<" if below else ">"
    summary = (
        f"{_WORDS[rule_id]}: glucose {sign} {rule.threshold_mg_dl:g} mg/dL for "
        f"{ep.duration_min:.0f} min ({'lowest' if below else 'highest'} {worst:.0f} mg/dL)"
    )
    return Finding(
        rule_id.value,
        rule.version,
        severity,
        FindingKind.PHYSIOLOGICAL,
        a,
        None if open_ else b,
        worst,
        "mg/dL",
        {
            "duration_min": ep.duration_min,
            "mean_mg_dl": ep.mean_glucose_mg_dl,
            "threshold_mg_dl": rule.threshold_mg_dl,
            "min_duration_min": rule.min_duration_min,
            "implausible_jumps": float(jumps[(t >= a - _ENTRY_S) & (t <= b)].sum()),
        },
        {},
        summary,
    )


def _rule(th: Thresholds, rule_id: RuleId) -> GlucoseBelowRule | GlucoseAboveRule:
    rule = th.rule(rule_id)
    if not isinstance(rule, GlucoseBelowRule | GlucoseAboveRule):  # pragma: no cover
        msg = f"{rule_id} should hold glucose thresholds; found {type(rule).__name__}"
        raise ThresholdError(msg)
    return rule


def _groups(th: Thresholds) -> dict[tuple[float, float], list[RuleId]]:
    """Rules sharing episode durations share one glucose_episodes call."""
    groups: dict[tuple[float, float], list[RuleId]] = defaultdict(list)
    for rule_id in _EPISODE_RULES:
        rule = _rule(th, rule_id)
        groups[(rule.min_duration_min, rule.end_duration_min)].append(rule_id)
    return groups


def _is_open(ep: Episode, t_last_s: float, now_s: float, limit_s: float) -> bool:
    """The episode reaches the newest grid point (within one grid step) and CGM is live."""
    step_s = 60.0 * ep.duration_min / ep.n_points  # the grid step, dt0
    return ep.end.timestamp() > t_last_s - step_s and now_s - t_last_s <= limit_s


def episode_findings(
    window: ParticipantWindow, thresholds: Thresholds, now_s: float
) -> list[Finding]:
    """``hypo_level2`` (HIGH), ``hypo_level1`` (MEDIUM) and ``hyper_prolonged`` (LOW).

    Parameters
    ----------
    window : ParticipantWindow
        CGM readings (``cgm_times_s``, ``cgm_mg_dl``).
    thresholds : Thresholds
        The three rules' thresholds and durations; ``stale_device.cgm_limit_min``.
    now_s : float
        Evaluation time, seconds (UTC epoch).

    Returns
    -------
    list of Finding
        One per episode, onset and end at the episode's first and last 5-minute grid
        point; ``worst_value`` the lowest (hypo) or highest (hyper) reading in it;
        ongoing when the episode reaches the newest grid point and CGM is not stale.
        Evidence ``implausible_jumps`` counts readings from 15 min before onset to the
        end reached faster than 5 mg/dL/min (:func:`analytics.quality.glucose_jumps`),
        a hint of a sensor artefact such as a compression low.

    Notes
    -----
    Level-1 episodes include those that reach level 2 (both rules fire, as in iglu and
    the consensus); telling them apart in the triage list is the alert engine's job.

    References
    ----------
    Battelino T, et al. Diabetes Care 2019;42:1593-1603 (thresholds 54 / 70 / 250 mg/dL).
    Battelino T, et al. Lancet Diabetes Endocrinol 2023;11:42-57 (15-min episodes).
    """
    t, g = _unique_readings(window)
    if t.size < _MIN_READINGS:
        return []
    limit_s = 60.0 * thresholds.stale_device.cgm_limit_min
    readings = (t, g, glucose_jumps(t, g))
    out = []
    for (min_min, end_min), rule_ids in _groups(thresholds).items():
        levels = {_EPISODE_RULES[r][1]: _rule(thresholds, r).threshold_mg_dl for r in rule_ids}
        eth = EpisodeThresholds(min_duration_min=min_min, end_duration_min=end_min, **levels)
        report = glucose_episodes(_datetime64(t), g, "UTC", eth)
        for rule_id in rule_ids:
            kind = _EPISODE_RULES[rule_id][0]
            out += [
                _episode_finding(
                    rule_id,
                    _rule(thresholds, rule_id),
                    ep,
                    readings,
                    _is_open(ep, float(t[-1]), now_s, limit_s),
                )
                for ep in report.episodes
                if ep.episode_type == kind
            ]
    return out


def _predicted_finding(run: PredictedLowFinding, th: Thresholds, open_: bool) -> Finding:
    rule = th.predicted_low
    summary = (
        f"Predicted low: glucose forecast below {rule.threshold_mg_dl:g} mg/dL within "
        f"{rule.within_min} min (lowest forecast {run.min_forecast_mg_dl:.0f} mg/dL)"
    )
    return Finding(
        RuleId.PREDICTED_LOW.value,
        rule.version,
        Severity.MEDIUM,
        FindingKind.PHYSIOLOGICAL,
        run.start.timestamp(),
        None if open_ else run.end.timestamp(),
        run.min_forecast_mg_dl,
        "mg/dL",
        {
            "n_readings": float(run.n_readings),
            "threshold_mg_dl": rule.threshold_mg_dl,
            "within_min": float(rule.within_min),
        },
        {},
        summary,
    )


def predicted_low_findings(
    window: ParticipantWindow, thresholds: Thresholds, now_s: float
) -> list[Finding]:
    """``predicted_low`` (MEDIUM): forecast glucose < 70 mg/dL within 30 minutes.

    Parameters
    ----------
    window : ParticipantWindow
        CGM readings.
    thresholds : Thresholds
        ``predicted_low`` (threshold, look-ahead); ``stale_device.cgm_limit_min``.
    now_s : float
        Evaluation time, seconds (UTC epoch).

    Returns
    -------
    list of Finding
        One per run of consecutive flagged readings
        (:func:`analytics.glycemic.predicted_low`); ``worst_value`` the lowest forecast
        in mg/dL; ongoing when the run reaches the newest reading and CGM is not stale.

    References
    ----------
    docs/clinical.md "Forecast"; Battelino T, et al. Diabetes Care 2019;42:1593-1603.
    """
    t, g = _unique_readings(window)
    if t.size < _MIN_READINGS:
        return []
    rule = thresholds.predicted_low
    result = predicted_low(
        _datetime64(t), g, rule.threshold_mg_dl, rule.within_min, rule.confirm_readings
    )
    limit_s = 60.0 * thresholds.stale_device.cgm_limit_min
    return [
        _predicted_finding(run, thresholds, still_open(run.end.timestamp(), t[-1], now_s, limit_s))
        for run in result.findings
    ]
