"""The coverage gate (docs/clinical.md "Coverage") and its ``low_coverage`` finding.

The analysed span is cut into 5-minute windows aligned to the Unix epoch (the storage
layer's 5-minute buckets). A window whose share covered by valid beats is below 0.8
raises no rate or rhythm finding: its samples are withheld from those rules. Runs of
such windows that still hold some data become one data-quality finding instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.clinical_constants import RR_MAX_MS, RR_MIN_MS, Severity
from analytics.quality import (
    Coverage,
    beat_coverage,
    covered_before,
    sample_coverage,
    window_grid,
)
from analytics.rules._common import hr_last_s, hr_series, still_open
from analytics.rules.finding import Finding, FindingKind
from analytics.rules.thresholds import RuleId, Thresholds
from analytics.rules.window import BoolArray, FloatArray, ParticipantWindow
from analytics.runs import true_runs

# Without RR intervals, one Heart Rate Measurement sample (about 1 Hz, docs/ble.md)
# stands for at most 10 s, as in analytics.cardiac.RateThresholds.max_gap_s.
HR_SAMPLE_HOLD_S = 10.0


@dataclass(frozen=True, eq=False)
class CoverageGate:
    """Per-window coverage of the heart stream and which windows pass the gate.

    Attributes
    ----------
    coverage : Coverage
        Windows and their covered share (RR intervals if any, else HR samples).
    passes : ndarray of bool
        True for windows with coverage at or above the rule's ``min_coverage``.
    """

    coverage: Coverage
    passes: BoolArray

    def allows(self, times_s: FloatArray) -> BoolArray:
        """True for each sample time that lies in a window passing the gate."""
        k = self.coverage.grid.index(times_s)
        if self.passes.size == 0:
            return np.zeros(k.shape, dtype=bool)
        # passes[k] with False for k = -1 (before the span) and k = n (after it).
        padded = np.concatenate(([False], self.passes, [False]))
        return padded[np.add(k, 1, out=k)]


def coverage_gate(window: ParticipantWindow, thresholds: Thresholds, now_s: float) -> CoverageGate:
    """Coverage of each gate window of the heart stream, from ``start_s`` to its newest sample.

    Parameters
    ----------
    window : ParticipantWindow
        The participant's data.
    thresholds : Thresholds
        Uses ``thresholds.low_coverage`` (window length, minimum coverage).
    now_s : float
        Evaluation time, seconds (UTC epoch); the span never extends past it.

    Returns
    -------
    CoverageGate

    Notes
    -----
    The span ends at the newest heart sample, not at ``now_s``: data still in transit
    must not make the current window look under-covered (silence is ``stale_device``'s
    job). Coverage is :func:`analytics.quality.beat_coverage` of the RR intervals; a
    window without any RR interval uses :func:`analytics.quality.sample_coverage` of
    the heart-rate samples with a 10-s hold instead.
    """
    rule = thresholds.low_coverage
    last = hr_last_s(window)
    end = window.start_s if last is None else min(now_s, last)
    grid = window_grid(window.start_s, end, window_s=60.0 * rule.window_min)
    rr = window.rr_ms  # validated by ParticipantWindow: skip beat_coverage's checks
    valid = (rr >= RR_MIN_MS) & (rr <= RR_MAX_MS)
    cov = beat_coverage(window.rr_times_s, rr, grid, valid, check_input=False)
    no_rr = cov.covered_s == 0
    if no_rr.any() and window.hr_bpm.size:
        # Windows without any RR interval fall back on the heart-rate samples (a device
        # may send HR without RR for a while).
        by_hr = sample_coverage(window.hr_times_s, grid, HR_SAMPLE_HOLD_S)
        covered = np.where(no_rr, by_hr.covered_s, cov.covered_s)
        cov = Coverage(grid, covered, np.where(no_rr, by_hr.fraction, cov.fraction))
    return CoverageGate(cov, cov.fraction >= rule.min_coverage)


def _rate_condition_s(
    window: ParticipantWindow, thresholds: Thresholds, a: float, b: float
) -> float:
    """Seconds in [a, b] of heart-rate samples meeting a MEDIUM rate condition."""
    t, hr = hr_series(window)
    hit = (hr > thresholds.tachycardia.medium_bpm) | (hr < thresholds.bradycardia.medium_bpm)
    t_hit = t[hit]
    hold = np.minimum(np.diff(t_hit, append=np.inf), HR_SAMPLE_HOLD_S)
    before = covered_before(t_hit, t_hit + hold, np.array([a, b]), check_input=False)
    return float(before[1] - before[0])


def low_coverage_findings(
    window: ParticipantWindow, thresholds: Thresholds, gate: CoverageGate, now_s: float
) -> list[Finding]:
    """``low_coverage``: runs of under-covered windows that still hold some data.

    Parameters
    ----------
    window : ParticipantWindow
        The participant's data.
    thresholds : Thresholds
        ``low_coverage`` (minimum coverage and run length) and the rate thresholds
        (to report how long a rate condition was seen inside the run).
    gate : CoverageGate
        Output of :func:`coverage_gate`.
    now_s : float
        Evaluation time, seconds (UTC epoch).

    Returns
    -------
    list of Finding
        LOW technical findings (docs/clinical.md: low coverage is a data-quality
        signal). Evidence: ``coverage`` (time-weighted share over the run),
        ``min_coverage``, ``duration_min`` and ``rate_condition_min`` (minutes of heart
        rate beyond a MEDIUM rate threshold the gate withheld).

    Notes
    -----
    A run is a maximal sequence of windows with :math:`0 < c_w <` ``min_coverage``;
    it is reported when it lasts at least ``min_duration_min``. Windows with no data at
    all are gaps, reported as ``stale_device`` while they last.
    """
    rule = thresholds.low_coverage
    frac = gate.coverage.fraction
    grid = gate.coverage.grid
    starts, ends = true_runs((frac > 0) & ~gate.passes)
    long_enough = grid.end_s[ends - 1] - grid.start_s[starts] >= 60.0 * rule.min_duration_min
    return [
        _run_finding(window, thresholds, gate, (int(s), int(e)), now_s)
        for s, e in zip(starts[long_enough], ends[long_enough], strict=True)
    ]


def _run_finding(
    window: ParticipantWindow,
    thresholds: Thresholds,
    gate: CoverageGate,
    run: tuple[int, int],
    now_s: float,
) -> Finding:
    """The ``low_coverage`` finding of windows ``run[0]`` to ``run[1] - 1``."""
    rule, (s, e) = thresholds.low_coverage, run
    grid, frac = gate.coverage.grid, gate.coverage.fraction
    a, b = float(grid.start_s[s]), float(grid.end_s[e - 1])
    share = float(gate.coverage.covered_s[s:e].sum() / (b - a))
    last = hr_last_s(window)
    stale_s = 60.0 * thresholds.stale_device.hr_limit_min
    open_ = last is not None and still_open(b, last, now_s, stale_s)
    evidence = {
        "coverage": share,
        "min_coverage": float(frac[s:e].min()),
        "duration_min": (b - a) / 60.0,
        "rate_condition_min": _rate_condition_s(window, thresholds, a, b) / 60.0,
        "gate_coverage": rule.min_coverage,
    }
    summary = (
        f"Heart signal covered {100 * share:.0f} % of {(b - a) / 60:.0f} min (below "
        f"{100 * rule.min_coverage:.0f} %): rate and rhythm rules suspended; check "
        "the strap's skin contact"
    )
    return Finding(
        RuleId.LOW_COVERAGE.value,
        rule.version,
        Severity.LOW,
        FindingKind.TECHNICAL,
        a,
        None if open_ else b,
        100.0 * float(frac[s:e].min()),
        "%",
        evidence,
        {"stream": "hr"},
        summary,
    )
