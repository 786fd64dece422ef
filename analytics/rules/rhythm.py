"""``af_burden``: AF-like rhythm >= 5 minutes in the last hour (non-diagnostic), MEDIUM.

Beats count as AF-like when :func:`analytics.cardiac.detect_af_proba` reaches the rule's
confidence, grouped into episodes of the rule's minimum length by
:func:`analytics.cardiac.af_episodes`; this module slides the one-hour look-back over
the beats so that every time the rule held in the analysed span is found, not only the
hour before the newest beat (at the newest beat the figure equals
:func:`analytics.cardiac.af_burden`'s ``minutes_last_window``).
"""

from __future__ import annotations

import numpy as np

from analytics.cardiac import AFDetectorParams, af_episodes, detect_af_proba
from analytics.clinical_constants import RR_MAX_MS, RR_MIN_MS, Severity
from analytics.quality import covered_before
from analytics.rules._common import still_open
from analytics.rules.finding import Finding, FindingKind
from analytics.rules.gate import CoverageGate
from analytics.rules.thresholds import AfBurdenRule, RuleId, Thresholds
from analytics.rules.window import BoolArray, FloatArray, ParticipantWindow
from analytics.runs import true_runs

# Float sums of RR intervals land a hair under exact minute counts (e.g. 299.9999999 s);
# a burden within a microsecond of the threshold meets it.
_TOLERANCE_S = 1e-6
# docs/clinical.md "AF-like irregularity": the wording is fixed and non-diagnostic.
WORDING = "Rhythm irregularity, clinical review (non-diagnostic)"


def _trailing_s(
    start_s: FloatArray, end_s: FloatArray, at_s: FloatArray, span_s: float
) -> FloatArray:
    """Seconds of the intervals' union inside ``(x - span_s, x]`` for each ``x`` in ``at_s``."""
    # Private: the window's arrays were validated when it was built.
    before = covered_before(start_s, end_s, at_s, check_input=False)
    return before - covered_before(start_s, end_s, at_s - span_s, check_input=False)


def _within_after(t: FloatArray, marks_s: FloatArray, span_s: float) -> BoolArray:
    """True where ``t`` lies in ``[m, m + span_s]`` for some mark ``m`` (marks sorted)."""
    k = np.searchsorted(marks_s, t, side="right") - 1  # newest mark at or before t
    ok = k >= 0
    out = np.zeros(t.size, dtype=bool)
    out[ok] = t[ok] - marks_s[k[ok]] <= span_s
    return out


def _in_episodes(
    labels: BoolArray, proba: FloatArray, rr: FloatArray, t: FloatArray, rule: AfBurdenRule
) -> BoolArray:
    """Beats of episodes long enough whose most confident beat reaches ``peak_confidence``."""
    episodes = af_episodes(labels, rr, times_s=t, min_duration_s=rule.min_episode_s)
    mask = np.zeros(rr.size, dtype=bool)
    for ep in episodes:
        if np.nanmax(proba[ep.start_index : ep.end_index]) >= rule.peak_confidence:
            mask[ep.start_index : ep.end_index] = True
    return mask


def _finding(
    rule: AfBurdenRule,
    t: FloatArray,
    burden_s: FloatArray,
    monitored_s: FloatArray,
    bounds: tuple[int, int, bool],
) -> Finding:
    s, e, open_ = bounds
    worst = s + int(np.argmax(burden_s[s:e]))  # the beat with the most AF in its look-back
    pct = 100.0 * float(burden_s[worst] / max(float(monitored_s[worst]), _TOLERANCE_S))
    lookback_s = 60.0 * rule.lookback_min
    evidence = {
        "burden_min": float(burden_s[worst]) / 60.0,
        "burden_pct": pct,
        "monitored_min": float(monitored_s[worst]) / 60.0,
        "coverage": float(monitored_s[worst]) / lookback_s,
        "lookback_min": rule.lookback_min,
        "threshold_min": rule.min_burden_min,
    }
    summary = (
        f"{WORDING}: AF-like rhythm {evidence['burden_min']:.1f} min in "
        f"{rule.lookback_min:g} min ({evidence['burden_pct']:.0f} % of monitored time)"
    )
    return Finding(
        RuleId.AF_BURDEN.value,
        rule.version,
        Severity.MEDIUM,
        FindingKind.PHYSIOLOGICAL,
        float(t[s]),
        None if open_ else float(t[e - 1]),
        pct,
        "%",
        evidence,
        {},
        summary,
    )


def af_burden_findings(
    window: ParticipantWindow,
    thresholds: Thresholds,
    gate: CoverageGate,
    now_s: float,
    *,
    detector: AFDetectorParams | None = None,
) -> list[Finding]:
    """Periods in which AF-like rhythm filled >= 5 min of the preceding hour.

    Parameters
    ----------
    window : ParticipantWindow
        RR intervals (``rr_times_s``, ``rr_ms``).
    thresholds : Thresholds
        ``af_burden`` (burden, look-back, minimum episode); ``stale_device`` for
        deciding whether the newest period is ongoing.
    gate : CoverageGate
        Beats in windows failing the coverage gate count neither as AF nor as monitored.
    now_s : float
        Evaluation time, seconds (UTC epoch).
    detector : AFDetectorParams, optional
        The AF model (default: the fitted one; benchmarks pass cross-validated fits).

    Returns
    -------
    list of Finding
        MEDIUM physiological findings worded "rhythm irregularity, clinical review
        (non-diagnostic)"; at the beat with the most AF minutes in its look-back,
        ``worst_value`` (= evidence ``burden_pct``) is the burden in percent of the
        monitored time of the look-back; evidence also ``burden_min``,
        ``monitored_min`` and ``coverage`` (monitored share of the look-back).

    Notes
    -----
    A beat is AF-like when its :func:`~analytics.cardiac.detect_af_proba` is at least
    ``min_confidence``; an episode counts only when one of its beats reaches
    ``peak_confidence`` (hysteresis: a long stretch that is only borderline AF-like,
    such as hours of frequent ectopy, raises nothing, while a real onset, which soon
    looks like typical AF, is still counted from its start). With :math:`A` the union of the
    RR intervals of AF episodes (``min_episode_s`` of consecutive AF-like beats) in passing
    windows and :math:`M` that of all plausible RR intervals in passing windows, at each
    beat time :math:`t_i`

    .. math:: B_i = |A \\cap (t_i - L, t_i]|, \\qquad
       \\mathrm{burden\\%}_i = 100\\,\\frac{B_i}{|M \\cap (t_i - L, t_i]|}

    with :math:`L` = 60 min. The rule holds at beats where :math:`B_i \\ge` 5 min;
    each maximal run of such beats is one finding from its first to its last beat.

    References
    ----------
    docs/clinical.md "AF-like irregularity"; Hindricks G, et al. 2020 ESC Guidelines
    for the diagnosis and management of atrial fibrillation. Eur Heart J
    2021;42:373-498 (30-s episode definition).
    """
    if window.rr_ms.size == 0:
        return []
    proba = detect_af_proba(window.rr_ms, params=detector)
    return findings_from_proba(window, proba, thresholds, gate, now_s)


def findings_from_proba(
    window: ParticipantWindow,
    proba: FloatArray,
    thresholds: Thresholds,
    gate: CoverageGate,
    now_s: float,
) -> list[Finding]:
    """:func:`af_burden_findings` given the window's AF probabilities (one per RR)."""
    rule = thresholds.af_burden
    rr, t = window.rr_ms, window.rr_times_s
    if rr.size == 0:
        return []
    # analytics.cardiac.artefact_mask without re-validating the window's RR intervals.
    ok = gate.allows(t) & (rr >= RR_MIN_MS) & (rr <= RR_MAX_MS)
    labels = (np.nan_to_num(proba) >= rule.min_confidence) & ok
    if not labels.any():
        return []
    af = _in_episodes(labels, proba, rr, t, rule)
    if not af.any():
        return []
    start = t - rr / 1000.0
    lookback_s = 60.0 * rule.lookback_min
    # The burden can only be non-zero within one look-back after an AF beat.
    near = _within_after(t, t[af], lookback_s)
    burden_s = np.zeros(t.size)
    burden_s[near] = _trailing_s(start[af], t[af], t[near], lookback_s)
    meets = burden_s >= 60.0 * rule.min_burden_min - _TOLERANCE_S
    monitored_s = np.zeros(t.size)
    monitored_s[meets] = _trailing_s(start[ok], t[ok], t[meets], lookback_s)
    limit_s = 60.0 * thresholds.stale_device.hr_limit_min
    runs = zip(*true_runs(meets), strict=True)
    return [
        _finding(
            rule, t, burden_s, monitored_s, (s, e, still_open(t[e - 1], t[-1], now_s, limit_s))
        )
        for s, e in runs
    ]
