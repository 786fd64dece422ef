"""Hypo- and hyperglycaemic episodes by the international consensus rules.

An episode of level ``t`` starts with at least 15 min (3 points of the 5-min grid)
beyond the threshold (``glucose < t`` for hypo, ``> t`` for hyper) and ends just
before the first run of at least 15 min back on the other side, or at the end of the
contiguous data segment; shorter returns inside the episode do not end it. Episodes
are found on iglu's interpolated grid, separately in each run of grid points with data,
so the results match iglu 4.3.0 ``episode_calculation``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from analytics.clinical_constants import (
    EVENT_END_DURATION_MIN,
    EVENT_MIN_DURATION_MIN,
    HIGH_MG_DL,
    LOW_MG_DL,
    VERY_HIGH_MG_DL,
    VERY_LOW_MG_DL,
)
from analytics.glycemic._inputs import FloatArray, epoch_to_datetime, resolve_tz
from analytics.glycemic.grid import DEFAULT_INTER_GAP_MIN, DayGrid, cgm_day_grid

# Battelino 2023: extended hypoglycaemia is > 120 consecutive minutes below 70 mg/dL
# (iglu: 120 / dt0 + 1 grid points).
EXTENDED_HYPO_MIN = 120.0
# Labels as iglu's episode_calculation(return_data = TRUE) names them.
EPISODE_TYPES = (
    "lv1_hypo",
    "lv2_hypo",
    "ext_hypo",
    "lv1_hyper",
    "lv2_hyper",
    "lv1_hypo_excl",
    "lv1_hyper_excl",
)


@dataclass(frozen=True)
class EpisodeThresholds:
    """Episode thresholds (mg/dL) and durations (min); defaults follow the consensus."""

    lv1_hypo_mg_dl: float = LOW_MG_DL
    lv2_hypo_mg_dl: float = VERY_LOW_MG_DL
    lv1_hyper_mg_dl: float = HIGH_MG_DL
    lv2_hyper_mg_dl: float = VERY_HIGH_MG_DL
    min_duration_min: float = EVENT_MIN_DURATION_MIN
    end_duration_min: float = EVENT_END_DURATION_MIN
    inter_gap_min: float = DEFAULT_INTER_GAP_MIN


@dataclass(frozen=True)
class Episode:
    """One episode on the grid.

    Attributes
    ----------
    episode_type : str
        One of :data:`EPISODE_TYPES`.
    segment : int
        1-based index of the run (alternating no-data / data runs of the grid).
    start, end : datetime
        Local times of the first and last grid point inside the episode.
    n_points : int
        Grid points in the episode.
    duration_min : float
        ``n_points * dt0`` minutes.
    mean_glucose_mg_dl : float
        Mean grid glucose within the episode.
    """

    episode_type: str
    segment: int
    start: dt.datetime
    end: dt.datetime
    n_points: int
    duration_min: float
    mean_glucose_mg_dl: float


@dataclass(frozen=True)
class EpisodeSummary:
    """iglu's per-type summary: episodes per day of data, mean duration and glucose."""

    avg_ep_per_day: float
    avg_ep_duration_min: float
    avg_ep_glucose_mg_dl: float
    total_episodes: int


@dataclass(frozen=True)
class EpisodeReport:
    """All episodes of one subject and their summary per episode type."""

    episodes: tuple[Episode, ...]
    summary: Mapping[str, EpisodeSummary] = field(default_factory=dict)
    data_days: float = 0.0


def glucose_episodes(
    times: ArrayLike | Sequence[dt.datetime],
    glucose_mg_dl: ArrayLike,
    tz: str | dt.tzinfo,
    thresholds: EpisodeThresholds | None = None,
) -> EpisodeReport:
    """Find hypo- and hyperglycaemic episodes of one subject.

    Parameters
    ----------
    times : sequence of aware datetime or array of datetime64 (UTC)
        Reading times of one subject.
    glucose_mg_dl : array_like of float
        Glucose in mg/dL, one per time. Sensor LOW/HIGH as 39/401 mg/dL
        (:func:`~analytics.glycemic.uncensor`), so a run of LOW is a level-2 episode.
    tz : str or tzinfo
        Local time zone; episode start/end are returned in it.
    thresholds : EpisodeThresholds, optional
        Defaults: level-1 hypo < 70, level-2 hypo < 54, level-1 hyper > 180, level-2
        hyper > 250 mg/dL, 15 min to start and 15 min to end.

    Returns
    -------
    EpisodeReport
        Episodes sorted by type then time, and a summary per type with
        ``avg_ep_per_day = n / (grid points with data * dt0 / 1440)``.

    Notes
    -----
    ``lv1`` episodes include those reaching level 2; ``lv1_*_excl`` are the level-1
    episodes that never reach level 2; ``ext_hypo`` needs more than 120 min below 70.

    References
    ----------
    Battelino T, et al. Lancet Diabetes Endocrinol 2023;11(1):42-57.
    Battelino T, et al. Diabetes Care 2019;42(8):1593-1603.
    Broll S, et al. PLoS ONE 2021;16(4):e0248560 (iglu 4.3.0 episode_calculation).
    """
    th = thresholds or EpisodeThresholds()
    zone = resolve_tz(tz)
    grid = cgm_day_grid(times, glucose_mg_dl, zone, inter_gap_min=th.inter_gap_min)
    labels = _label_grid(grid, th)
    episodes = _collect(grid, labels, zone)
    n_data = int(np.isfinite(grid.flat).sum())
    data_days = n_data * grid.dt0_min / 1440.0
    summary = {kind: _summarise(episodes, kind, data_days) for kind in EPISODE_TYPES}
    return EpisodeReport(episodes, MappingProxyType(summary), data_days)


def _label_grid(grid: DayGrid, th: EpisodeThresholds) -> dict[str, np.ndarray]:
    """Per grid point: 0 outside episodes, else a label unique within its segment."""
    flat = grid.flat
    dur = math.ceil(th.min_duration_min / grid.dt0_min)
    end = math.ceil(th.end_duration_min / grid.dt0_min)
    ext = EXTENDED_HYPO_MIN / grid.dt0_min + 1
    specs = {
        "lv1_hypo": (th.lv1_hypo_mg_dl, True, dur),
        "lv2_hypo": (th.lv2_hypo_mg_dl, True, dur),
        "ext_hypo": (th.lv1_hypo_mg_dl, True, ext),
        "lv1_hyper": (th.lv1_hyper_mg_dl, False, dur),
        "lv2_hyper": (th.lv2_hyper_mg_dl, False, dur),
    }
    labels = {k: np.zeros(flat.size, dtype=np.int64) for k in specs}
    for lo, hi in _data_runs(flat):
        for kind, (threshold, hypo, min_points) in specs.items():
            beyond = flat[lo:hi] < threshold if hypo else flat[lo:hi] > threshold
            labels[kind][lo:hi] = event_labels(beyond, min_points, end)
    labels["lv1_hypo_excl"] = _exclusive(labels["lv1_hypo"], labels["lv2_hypo"])
    labels["lv1_hyper_excl"] = _exclusive(labels["lv1_hyper"], labels["lv2_hyper"])
    return labels


def _data_runs(flat: FloatArray) -> list[tuple[int, int]]:
    """[start, stop) of each run of finite grid values."""
    finite = np.r_[False, np.isfinite(flat), False].astype(np.int8)
    edges = np.flatnonzero(np.diff(finite))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def event_labels(beyond: np.ndarray, min_points: float, end_points: float) -> np.ndarray:
    """Label episodes in one contiguous segment (iglu 4.3.0 ``event_class``).

    Parameters
    ----------
    beyond : ndarray of bool
        True where glucose is beyond the threshold (``< t`` hypo, ``> t`` hyper).
    min_points : float
        Grid points needed to start an episode (15 min / dt0).
    end_points : float
        Grid points back on the other side needed to end it (15 min / dt0).

    Returns
    -------
    ndarray of int
        0 outside episodes, else the 1-based episode number. An episode starts at a run
        of >= ``min_points`` True values and ends just before the next run of >=
        ``end_points`` False values (or at the segment end); starts inside an ongoing
        episode merge into it.

    References
    ----------
    Battelino T, et al. Lancet Diabetes Endocrinol 2023;11(1):42-57.
    """
    n = beyond.size
    edges = np.flatnonzero(np.diff(np.r_[-1, beyond.astype(np.int8), -1]))
    run_start, run_len = edges[:-1], np.diff(edges)
    run_value = beyond[run_start]
    starts = run_start[run_value & (run_len >= min_points)]
    ends = np.r_[run_start[~run_value & (run_len >= end_points)], n]
    out = np.zeros(n, dtype=np.int64)
    last_end, label = -1, 0
    for s in starts:
        stop = int(ends[np.searchsorted(ends, s, side="right")]) - 1
        if stop == last_end:
            continue
        label += 1
        out[s : stop + 1] = label
        last_end = stop
    return out


def _exclusive(lv1: np.ndarray, lv2: np.ndarray) -> np.ndarray:
    """Level-1 labels of the episodes that contain no level-2 point."""
    reaching = np.unique(lv1[(lv1 > 0) & (lv2 > 0)])
    return np.where(np.isin(lv1, reaching), 0, lv1)


def _collect(grid: DayGrid, labels: dict[str, np.ndarray], zone: dt.tzinfo) -> tuple[Episode, ...]:
    flat, times_s = grid.flat, grid.times_s
    segment = np.cumsum(np.r_[True, np.diff(np.isfinite(flat).astype(np.int8)) != 0])
    episodes = []
    for kind in EPISODE_TYPES:
        lab = labels[kind]
        keys = segment * (lab.max() + 1) + lab
        for key in np.unique(keys[lab > 0]):
            idx = np.flatnonzero(keys == key)
            episodes.append(
                Episode(
                    episode_type=kind,
                    segment=int(segment[idx[0]]),
                    start=epoch_to_datetime(float(times_s[idx[0]]), zone),
                    end=epoch_to_datetime(float(times_s[idx[-1]]), zone),
                    n_points=int(idx.size),
                    duration_min=float(idx.size * grid.dt0_min),
                    mean_glucose_mg_dl=float(np.mean(flat[idx])),
                )
            )
    return tuple(episodes)


def _summarise(episodes: tuple[Episode, ...], kind: str, data_days: float) -> EpisodeSummary:
    mine = [e for e in episodes if e.episode_type == kind]
    if not mine:
        return EpisodeSummary(0.0, 0.0, float("nan"), 0)
    return EpisodeSummary(
        avg_ep_per_day=len(mine) / data_days,
        avg_ep_duration_min=float(np.mean([e.duration_min for e in mine])),
        avg_ep_glucose_mg_dl=float(np.mean([e.mean_glucose_mg_dl for e in mine])),
        total_episodes=len(mine),
    )
