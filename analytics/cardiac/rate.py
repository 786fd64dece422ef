"""Sustained tachycardia and bradycardia episodes from a heart-rate series.

A pure function over ``(times_s, hr_bpm)``: samples meeting a threshold form runs;
a run is an episode only if it lasts long enough and is well enough covered by data.
Thresholds are configuration (docs/clinical.md), carried in a frozen dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from analytics.cardiac._validate import (
    BoolArray,
    FloatArray,
    as_1d_float,
    as_rr_ms,
    as_times_s,
    beat_end_times_s,
    check_fraction,
    check_positive,
)
from analytics.cardiac.rr import artefact_mask
from analytics.clinical_constants import (
    BRADY_HIGH_BPM,
    BRADY_MEDIUM_BPM,
    MIN_COVERAGE,
    SUSTAINED_RATE_MIN,
    TACHY_HIGH_BPM,
    TACHY_MEDIUM_BPM,
    Severity,
)
from analytics.errors import CardiacInputError
from analytics.runs import true_runs


class RateKind(StrEnum):
    """Which rate rule an episode belongs to (rule ids of docs/clinical.md "Alerts")."""

    TACHYCARDIA = "tachycardia"
    BRADYCARDIA = "bradycardia"


@dataclass(frozen=True)
class RateThresholds:
    """Sustained-rate rule parameters; defaults from :mod:`analytics.clinical_constants`.

    Attributes
    ----------
    tachy_medium_bpm, tachy_high_bpm : float
        HR strictly above these for ``min_duration_s`` is tachycardia MEDIUM / HIGH
        (120 / 150 bpm).
    brady_medium_bpm, brady_high_bpm : float
        HR strictly below these for ``min_duration_s`` is bradycardia MEDIUM / HIGH
        (50 / 40 bpm).
    min_duration_s : float
        How long the condition must hold (600 s = 10 minutes).
    min_coverage : float
        Minimum share of the episode covered by data (0.8: no alert on windows with
        less than 80 % coverage).
    max_gap_s : float
        Longest time one sample stands for; longer gaps count as missing data (10 s:
        Heart Rate Measurement notifications arrive about once per second; set it to
        the reporting period for averaged series).
    max_interruption_s : float
        Dips back across the threshold lasting at most this long, and shorter than the
        stretches meeting it on both sides, do not end an episode (30 s: a few noisy
        or ectopic beats; engineering choice). Spikes are never joined together.
    """

    tachy_medium_bpm: float = TACHY_MEDIUM_BPM
    tachy_high_bpm: float = TACHY_HIGH_BPM
    brady_medium_bpm: float = BRADY_MEDIUM_BPM
    brady_high_bpm: float = BRADY_HIGH_BPM
    min_duration_s: float = 60.0 * SUSTAINED_RATE_MIN
    min_coverage: float = MIN_COVERAGE
    max_gap_s: float = 10.0
    max_interruption_s: float = 30.0

    def __post_init__(self) -> None:
        for name in ("min_duration_s", "max_gap_s", "tachy_medium_bpm", "brady_high_bpm"):
            check_positive(getattr(self, name), name)
        check_fraction(self.min_coverage, "min_coverage")
        if self.max_interruption_s < 0:
            msg = f"max_interruption_s should be >= 0; got {self.max_interruption_s!r}"
            raise CardiacInputError(msg)
        if not (
            self.brady_high_bpm <= self.brady_medium_bpm
            and self.tachy_medium_bpm <= self.tachy_high_bpm
        ):
            msg = (
                "thresholds should satisfy brady_high <= brady_medium and "
                "tachy_medium <= tachy_high"
            )
            raise CardiacInputError(msg)


@dataclass(frozen=True)
class RateEpisode:
    """One sustained tachycardia or bradycardia episode.

    Attributes
    ----------
    kind : RateKind
        Tachycardia or bradycardia.
    severity : Severity
        HIGH if the HIGH threshold itself was sustained, else MEDIUM.
    onset_s, end_s : float
        Times of the first and last sample of the episode (seconds, input clock).
    worst_bpm : float
        Highest (tachycardia) or lowest (bradycardia) HR sample in the episode.
    coverage : float
        Share of the episode covered by data (0-1).
    """

    kind: RateKind
    severity: Severity
    onset_s: float
    end_s: float
    worst_bpm: float
    coverage: float

    @property
    def duration_s(self) -> float:
        """Episode length in seconds."""
        return self.end_s - self.onset_s


def _bridge(mask: BoolArray, t: FloatArray, max_interruption_s: float) -> BoolArray:
    """Fill brief dips: at most ``max_interruption_s`` and shorter than both neighbours."""
    out = mask.copy()
    starts, ends = true_runs(mask)
    if starts.size < 2:
        return out
    # From a run's first sample to the sample after it (its own last one at the end).
    run_s = t[np.minimum(ends, t.size - 1)] - t[starts]
    dip_s = t[starts[1:]] - t[ends[:-1]]
    brief = (dip_s <= max_interruption_s) & (dip_s < run_s[:-1]) & (dip_s < run_s[1:])
    for s, e in zip(ends[:-1][brief], starts[1:][brief], strict=True):
        out[s:e] = True
    return out


def _sustained_runs(
    mask: BoolArray, t: FloatArray, span: FloatArray, th: RateThresholds
) -> list[tuple[int, int, float]]:
    """(start, exclusive end, coverage) of runs that last long enough with enough data.

    ``span`` is ``min(t[i+1] - t[i], max_gap_s)``; a run's coverage never uses the
    last element, so a slice of the whole series' ``span`` serves a slice of ``t``.
    """
    out = []
    starts, ends = true_runs(_bridge(mask, t, th.max_interruption_s))
    for s, e in zip(starts, ends, strict=True):
        duration = t[e - 1] - t[s]
        if duration < th.min_duration_s:
            continue
        coverage = float(span[s : e - 1].sum() / duration)
        if coverage >= th.min_coverage:
            out.append((int(s), int(e), min(coverage, 1.0)))
    return out


def _episodes(
    t: FloatArray, hr: FloatArray, span: FloatArray, kind: RateKind, th: RateThresholds
) -> list[RateEpisode]:
    tachy = kind is RateKind.TACHYCARDIA
    medium = hr > th.tachy_medium_bpm if tachy else hr < th.brady_medium_bpm
    high = hr > th.tachy_high_bpm if tachy else hr < th.brady_high_bpm
    episodes = []
    for s, e, cov in _sustained_runs(medium, t, span, th):
        is_high = bool(_sustained_runs(high[s:e], t[s:e], span[s:e], th))
        seg = hr[s:e]
        worst = float(seg.max() if tachy else seg.min())
        severity = Severity.HIGH if is_high else Severity.MEDIUM
        episodes.append(RateEpisode(kind, severity, float(t[s]), float(t[e - 1]), worst, cov))
    return episodes


def detect_rate_episodes(
    times_s: npt.ArrayLike,
    hr_bpm: npt.ArrayLike,
    thresholds: RateThresholds | None = None,
    *,
    check_input: bool = True,
) -> list[RateEpisode]:
    """Find sustained tachycardia and bradycardia in a heart-rate series.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times in seconds (any clock), non-decreasing.
    hr_bpm : array_like of float, shape (n,)
        Heart rate in beats per minute; NaN marks a missing sample.
    thresholds : RateThresholds, optional
        Rule parameters (default: the pilot's, :class:`RateThresholds`).
    check_input : bool, optional
        Validate the arrays and drop NaN samples (default). ``False`` skips both, for
        callers that hold sorted float64 arrays without NaN already (as scipy's
        ``check_finite=False``); the result is then undefined for other input.

    Returns
    -------
    list of RateEpisode
        Episodes in time order, tachycardia and bradycardia together.

    Notes
    -----
    A sample meets the MEDIUM tachycardia condition when :math:`HR > 120`; runs of
    such samples are bridged across dips of at most ``max_interruption_s`` that are
    shorter than the runs on both sides. A run is
    an episode when :math:`t_{last} - t_{first} \\ge` ``min_duration_s`` and

    .. math:: \\mathrm{coverage} = \\frac{\\sum_i \\min(t_{i+1} - t_i,\\ g)}
       {t_{last} - t_{first}} \\ge 0.8

    with :math:`g` = ``max_gap_s``. It is HIGH when the HIGH condition alone forms
    such a run inside it. Bradycardia mirrors this with :math:`HR < 50` / :math:`< 40`.
    Isolated spikes are shorter than ``min_duration_s`` and raise nothing.

    Examples
    --------
    >>> t = np.arange(0.0, 1800.0)
    >>> hr = np.where((t >= 300) & (t < 1200), 130.0, 70.0)
    >>> [(e.kind.value, e.severity.value, e.onset_s, e.end_s) for e in
    ...  detect_rate_episodes(t, hr)]
    [('tachycardia', 'MEDIUM', 300.0, 1199.0)]
    """
    th = RateThresholds() if thresholds is None else thresholds
    if not check_input:
        return _rate_episodes(
            np.asarray(times_s, dtype=np.float64), np.asarray(hr_bpm, dtype=np.float64), th
        )
    hr = as_1d_float(hr_bpm, "hr_bpm", allow_nan=True)
    t = as_times_s(times_s, hr.size)
    keep = ~np.isnan(hr)
    return _rate_episodes(t[keep], hr[keep], th)


def _rate_episodes(t: FloatArray, hr: FloatArray, th: RateThresholds) -> list[RateEpisode]:
    if t.size < 2:
        return []
    span = np.minimum(np.diff(t, append=t[-1]), th.max_gap_s)
    found = _episodes(t, hr, span, RateKind.TACHYCARDIA, th)
    found += _episodes(t, hr, span, RateKind.BRADYCARDIA, th)
    return sorted(found, key=lambda ep: ep.onset_s)


def hr_from_rr(
    rr_ms: npt.ArrayLike, times_s: npt.ArrayLike | None = None
) -> tuple[FloatArray, FloatArray]:
    """Instantaneous heart rate per beat, artefacts removed.

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds.
    times_s : array_like of float, shape (n,), optional
        Time of the beat closing each interval (default: cumulative sum of ``rr_ms``).

    Returns
    -------
    times_s : ndarray of float
        Beat times of the kept intervals, seconds.
    hr_bpm : ndarray of float
        :math:`60000 / RR` for each interval within 200-3000 ms.

    Examples
    --------
    >>> hr_from_rr([1000.0, 500.0, 100.0])[1].tolist()
    [60.0, 120.0]
    """
    rr = as_rr_ms(rr_ms)
    t = beat_end_times_s(rr) if times_s is None else as_times_s(times_s, rr.size)
    ok = ~artefact_mask(rr)
    return t[ok], 60000.0 / rr[ok]
