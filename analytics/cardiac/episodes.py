"""AF episodes (>= 30 s of consecutive AF beats) and AF burden."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.cardiac._validate import (
    BoolArray,
    FloatArray,
    as_rr_ms,
    as_times_s,
    beat_end_times_s,
    check_positive,
)
from analytics.clinical_constants import AF_BURDEN_LOOKBACK_MIN, AF_MIN_EPISODE_S
from analytics.errors import CardiacInputError
from analytics.runs import true_runs


@dataclass(frozen=True)
class AFEpisode:
    """One AF episode.

    Attributes
    ----------
    start_index, end_index : int
        First interval and one past the last interval of the episode.
    onset_s, end_s : float
        Start of the first and end of the last interval, seconds (input clock).
    """

    start_index: int
    end_index: int
    onset_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Episode length in seconds."""
        return self.end_s - self.onset_s


@dataclass(frozen=True)
class AFBurden:
    """AF burden of a recording.

    Attributes
    ----------
    percent : float
        Time in AF episodes as a percentage of the time covered by RR intervals.
    minutes_last_window : float
        Minutes of AF episodes within the last ``window_s`` (default one hour) before
        the last beat.
    n_episodes : int
        Number of episodes.
    """

    percent: float
    minutes_last_window: float
    n_episodes: int


def _inputs(
    labels: npt.ArrayLike, rr_ms: npt.ArrayLike, times_s: npt.ArrayLike | None
) -> tuple[BoolArray, FloatArray, FloatArray]:
    rr = as_rr_ms(rr_ms)
    lab = np.asarray(labels)
    if lab.shape != rr.shape or lab.dtype != np.bool_:
        msg = f"labels should be a bool array with one entry per RR interval ({rr.size})"
        raise CardiacInputError(msg)
    end = beat_end_times_s(rr) if times_s is None else as_times_s(times_s, rr.size)
    return lab, rr, end


def af_episodes(
    labels: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    *,
    times_s: npt.ArrayLike | None = None,
    min_duration_s: float = AF_MIN_EPISODE_S,
) -> list[AFEpisode]:
    """Group consecutive AF-labelled intervals into episodes of at least 30 s.

    Parameters
    ----------
    labels : array_like of bool, shape (n,)
        Output of :func:`~analytics.cardiac.detect_af`.
    rr_ms : array_like of float, shape (n,)
        The RR intervals in milliseconds.
    times_s : array_like of float, shape (n,), optional
        Time of the beat closing each interval, seconds (default: cumulative RR).
    min_duration_s : float, optional
        Minimum episode length in seconds (default 30, docs/clinical.md).

    Returns
    -------
    list of AFEpisode
        In time order.

    Notes
    -----
    A run of True labels from interval :math:`s` to :math:`e-1` spans
    :math:`[t_s - RR_s, t_{e-1}]`; it is an episode when that span is at least
    ``min_duration_s``.

    Examples
    --------
    >>> lab = np.r_[np.zeros(10, bool), np.ones(40, bool), np.zeros(10, bool)]
    >>> [(e.start_index, e.end_index, e.duration_s) for e in af_episodes(lab, [1000.0] * 60)]
    [(10, 50, 40.0)]
    """
    lab, rr, end = _inputs(labels, rr_ms, times_s)
    check_positive(min_duration_s, "min_duration_s")
    starts, ends = true_runs(lab)
    onset = end[starts] - rr[starts] / 1000.0
    stop = end[ends - 1]
    keep = stop - onset >= min_duration_s
    return [
        AFEpisode(int(s), int(e), float(a), float(b))
        for s, e, a, b in zip(starts[keep], ends[keep], onset[keep], stop[keep], strict=True)
    ]


def af_burden(
    labels: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    *,
    times_s: npt.ArrayLike | None = None,
    window_s: float = 60.0 * AF_BURDEN_LOOKBACK_MIN,
    min_duration_s: float = AF_MIN_EPISODE_S,
) -> AFBurden:
    """AF burden: percent of time in AF episodes and AF minutes in the last hour.

    Parameters
    ----------
    labels : array_like of bool, shape (n,)
        Output of :func:`~analytics.cardiac.detect_af`.
    rr_ms : array_like of float, shape (n,)
        The RR intervals in milliseconds.
    times_s : array_like of float, shape (n,), optional
        Time of the beat closing each interval, seconds (default: cumulative RR).
    window_s : float, optional
        Look-back window for ``minutes_last_window`` (default 3600 s).
    min_duration_s : float, optional
        Only AF in episodes at least this long counts (default 30 s).

    Returns
    -------
    AFBurden

    Notes
    -----
    .. math:: \\mathrm{burden} = 100\\,\\frac{\\sum_{i \\in \\mathrm{episodes}} RR_i}
       {\\sum_i RR_i}

    Time not covered by RR intervals (gaps) is in neither sum. The last-hour figure
    sums the parts of episode intervals after :math:`t_{last} - ` ``window_s``; the
    ``af_burden`` alert uses >= 5 minutes (docs/clinical.md).

    Examples
    --------
    >>> lab = np.r_[np.zeros(3000, bool), np.ones(600, bool)]
    >>> b = af_burden(lab, [1000.0] * 3600)
    >>> round(b.percent, 2), b.minutes_last_window, b.n_episodes
    (16.67, 10.0, 1)
    """
    lab, rr, end = _inputs(labels, rr_ms, times_s)
    check_positive(window_s, "window_s")
    episodes = af_episodes(lab, rr, times_s=end, min_duration_s=min_duration_s)
    in_episode = np.zeros(rr.size, dtype=bool)
    for ep in episodes:
        in_episode[ep.start_index : ep.end_index] = True
    total_s = float(rr.sum()) / 1000.0
    percent = 100.0 * float(rr[in_episode].sum()) / 1000.0 / total_s if rr.size else 0.0
    cutoff = float(end[-1]) - window_s if rr.size else 0.0
    start = end - rr / 1000.0
    recent_s = np.clip(end - np.maximum(start, cutoff), 0.0, None)[in_episode].sum()
    return AFBurden(percent, float(recent_s) / 60.0, len(episodes))
