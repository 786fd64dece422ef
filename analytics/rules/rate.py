"""``tachycardia`` and ``bradycardia``: sustained rate rules behind the coverage gate.

The episode logic (10 minutes beyond a threshold, spikes ignored, HIGH only when the
HIGH threshold itself is sustained) is analytics.cardiac.detect_rate_episodes; this
module feeds it gated samples and turns episodes into findings.
"""

from __future__ import annotations

import numpy as np

from analytics.cardiac import RateEpisode, RateKind, RateThresholds, detect_rate_episodes
from analytics.clinical_constants import Severity
from analytics.quality import hr_jumps
from analytics.rules._common import hr_series, still_open
from analytics.rules.finding import Finding, FindingKind
from analytics.rules.gate import CoverageGate
from analytics.rules.thresholds import BradycardiaRule, RuleId, TachycardiaRule, Thresholds
from analytics.rules.window import BoolArray, FloatArray, ParticipantWindow


def _cardiac_thresholds(
    tachy: TachycardiaRule, brady: BradycardiaRule, duration_min: float, min_coverage: float
) -> RateThresholds:
    return RateThresholds(
        tachy_medium_bpm=tachy.medium_bpm,
        tachy_high_bpm=tachy.high_bpm,
        brady_medium_bpm=brady.medium_bpm,
        brady_high_bpm=brady.high_bpm,
        min_duration_s=60.0 * duration_min,
        min_coverage=min_coverage,
    )


def _episodes(t: FloatArray, hr: FloatArray, th: Thresholds) -> list[RateEpisode]:
    tachy, brady = th.tachycardia, th.bradycardia
    cover = th.low_coverage.min_coverage
    if tachy.min_duration_min == brady.min_duration_min:
        return detect_rate_episodes(
            t,
            hr,
            _cardiac_thresholds(tachy, brady, tachy.min_duration_min, cover),
            check_input=False,
        )
    fast = detect_rate_episodes(
        t, hr, _cardiac_thresholds(tachy, brady, tachy.min_duration_min, cover), check_input=False
    )
    slow = detect_rate_episodes(
        t, hr, _cardiac_thresholds(tachy, brady, brady.min_duration_min, cover), check_input=False
    )
    return [e for e in fast if e.kind is RateKind.TACHYCARDIA] + [
        e for e in slow if e.kind is RateKind.BRADYCARDIA
    ]


def _jump_share(ep: RateEpisode, t: FloatArray, jumps: BoolArray) -> float:
    """Share of the episode's samples that jumped implausibly (quality.hr_jumps)."""
    a = int(np.searchsorted(t, ep.onset_s, side="left"))
    b = int(np.searchsorted(t, ep.end_s, side="right"))
    return float(jumps[a:b].mean()) if b > a else 0.0


def _finding(ep: RateEpisode, th: Thresholds, open_: bool, jump_share: float) -> Finding:
    tachy = ep.kind is RateKind.TACHYCARDIA
    rule: TachycardiaRule | BradycardiaRule = th.tachycardia if tachy else th.bradycardia
    high = ep.severity is Severity.HIGH
    threshold = rule.high_bpm if high else rule.medium_bpm
    word, sign = ("Tachycardia", ">") if tachy else ("Bradycardia", "<")
    duration_min = ep.duration_s / 60.0
    summary = (
        f"{word}: heart rate {sign} {threshold:g} bpm for {duration_min:.0f} min "
        f"({'highest' if tachy else 'lowest'} {ep.worst_bpm:.0f} bpm)"
    )
    return Finding(
        rule_id=(RuleId.TACHYCARDIA if tachy else RuleId.BRADYCARDIA).value,
        rule_version=rule.version,
        severity=Severity.HIGH if high else Severity.MEDIUM,
        kind=FindingKind.PHYSIOLOGICAL,
        onset_s=ep.onset_s,
        end_s=None if open_ else ep.end_s,
        worst_value=ep.worst_bpm,
        unit="bpm",
        evidence={
            "duration_min": duration_min,
            "coverage": ep.coverage,
            "threshold_bpm": threshold,
            "min_duration_min": rule.min_duration_min,
            "implausible_jump_share": jump_share,
        },
        summary=summary,
    )


def rate_findings(
    window: ParticipantWindow, thresholds: Thresholds, gate: CoverageGate, now_s: float
) -> list[Finding]:
    """Sustained tachycardia and bradycardia findings.

    Parameters
    ----------
    window : ParticipantWindow
        Heart-rate samples (or RR intervals, converted with
        :func:`analytics.cardiac.hr_from_rr`).
    thresholds : Thresholds
        ``tachycardia``, ``bradycardia``; ``low_coverage.min_coverage`` also sets the
        minimum data coverage inside an episode.
    gate : CoverageGate
        Samples in windows that fail the gate are treated as missing.
    now_s : float
        Evaluation time, seconds (UTC epoch).

    Returns
    -------
    list of Finding
        One per episode; MEDIUM above 120 (below 50) bpm, HIGH above 150 (below 40) bpm
        sustained for >= 10 min (docs/clinical.md "Sustained rate alerts"); worst value
        in bpm; ongoing (``end_s`` None) when the episode reaches the newest sample and
        the stream is not stale. Evidence ``implausible_jump_share`` is the share of
        the episode's samples that jumped > 20 % from the previous one
        (:func:`analytics.quality.hr_jumps`): high values suggest motion artefact.

    Notes
    -----
    See :func:`analytics.cardiac.detect_rate_episodes` for the episode definition:
    strict thresholds, :math:`t_{last} - t_{first} \\ge` 10 min, coverage >= 0.8,
    brief dips bridged, isolated spikes never an episode.
    """
    t, hr = hr_series(window)
    if t.size < 2:
        return []
    limit_s = 60.0 * thresholds.stale_device.hr_limit_min
    last = float(t[-1])
    # Samples in failing windows are dropped, as detect_rate_episodes drops NaN; the
    # window's arrays are already validated, so its checks are skipped.
    ok = gate.allows(t)
    episodes = _episodes(t[ok], hr[ok], thresholds)
    jumps = hr_jumps(t, hr) if episodes else np.zeros(0, dtype=bool)
    return [
        _finding(
            ep, thresholds, still_open(ep.end_s, last, now_s, limit_s), _jump_share(ep, t, jumps)
        )
        for ep in episodes
    ]
