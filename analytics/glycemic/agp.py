"""Ambulatory glucose profile (AGP) percentiles and CGM data sufficiency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from analytics.clinical_constants import REPORT_MIN_ACTIVE_PERCENT, REPORT_PERIOD_DAYS
from analytics.errors import GlycemicInputError
from analytics.glycemic._inputs import FloatArray, times_to_epoch_s
from analytics.glycemic.grid import cgm_day_grid

# Battelino T, et al. Diabetes Care 2019;42:1593-1603 (AGP report): the 5th, 25th,
# 50th, 75th and 95th percentiles per time of day.
AGP_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)
# docs/clinical.md "AGP: ... per 5-minute bin of the day".
AGP_BIN_MIN = 5


@dataclass(frozen=True)
class AgpProfile:
    """AGP percentiles per bin of the local day.

    Attributes
    ----------
    minute_of_day : ndarray of int, shape (n_bins,)
        End minute of each bin (5, 10, ..., 1440 for 5-min bins), local time.
    percentiles : tuple of float
        The percentiles, in %, one per column of ``glucose_mg_dl``.
    glucose_mg_dl : ndarray, shape (n_bins, len(percentiles))
        Percentiles of glucose (mg/dL) over the days with a value in that bin; NaN
        for a bin that no day covers.
    n_days : ndarray of int, shape (n_bins,)
        Number of days contributing to each bin.
    """

    minute_of_day: np.ndarray
    percentiles: tuple[float, ...]
    glucose_mg_dl: FloatArray
    n_days: np.ndarray


def agp_percentiles(
    times: ArrayLike | Sequence[dt.datetime],
    glucose_mg_dl: ArrayLike,
    tz: str | dt.tzinfo,
    percentiles: Sequence[float] = AGP_PERCENTILES,
    bin_min: int = AGP_BIN_MIN,
) -> AgpProfile:
    """AGP: glucose percentiles per time-of-day bin in the local time zone.

    Parameters
    ----------
    times : sequence of aware datetime or array of datetime64 (UTC)
        Reading times of one subject.
    glucose_mg_dl : array_like of float
        Glucose in mg/dL, one per time. Sensor LOW/HIGH as 39/401 mg/dL
        (:func:`~analytics.glycemic.uncensor`): present, below/above the range.
    tz : str or tzinfo
        Local time zone that defines the time of day.
    percentiles : sequence of float, default (5, 25, 50, 75, 95)
        Percentiles in %, each within [0, 100].
    bin_min : int, default 5
        Bin width in minutes; must divide 1440.

    Returns
    -------
    AgpProfile

    Notes
    -----
    The readings are put on iglu's interpolated day-by-day grid (linear interpolation
    inside gaps of at most 45 min, see :func:`cgm_day_grid`); for each grid column the
    percentile is R's type-7 quantile over the days with a value: with the ``n``
    sorted values ``x`` and ``h = (n - 1) p``, ``q = x[floor h] + (h - floor h)
    (x[floor h + 1] - x[floor h])``. Matches iglu 4.3.0 to rounding error.

    References
    ----------
    Battelino T, et al. Diabetes Care 2019;42(8):1593-1603.
    Broll S, et al. PLoS ONE 2021;16(4):e0248560 (iglu 4.3.0).
    """
    probs = np.asarray(percentiles, dtype=np.float64) / 100.0
    if probs.ndim != 1 or not ((probs >= 0) & (probs <= 1)).all():
        raise GlycemicInputError(f"percentiles must be values in [0, 100]; got {list(percentiles)}")
    if bin_min <= 0 or 1440 % bin_min:
        raise GlycemicInputError(f"bin_min must divide 1440 minutes; got {bin_min}")
    grid = cgm_day_grid(times, glucose_mg_dl, tz, dt0_min=bin_min)
    values, counts = column_quantiles(grid.glucose_mg_dl, probs)
    minutes = np.arange(1, grid.glucose_mg_dl.shape[1] + 1) * bin_min
    return AgpProfile(minutes, tuple(float(p) for p in percentiles), values, counts)


def column_quantiles(matrix: FloatArray, probs: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """Type-7 (R default, Hyndman & Fan 1996) quantiles of each column ignoring NaN.

    Parameters
    ----------
    matrix : ndarray, shape (n_rows, n_cols)
        Values with NaN for missing.
    probs : ndarray
        Probabilities in [0, 1].

    Returns
    -------
    quantiles : ndarray, shape (n_cols, len(probs))
        NaN for columns without any value.
    counts : ndarray of int, shape (n_cols,)
        Values per column.
    """
    ordered = np.sort(matrix, axis=0)  # NaN sorts last
    counts = np.isfinite(matrix).sum(axis=0)
    h = (np.maximum(counts, 1)[:, None] - 1) * probs[None, :]
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(counts, 1)[:, None] - 1)
    cols = np.arange(matrix.shape[1])[:, None]
    x_lo, x_hi = ordered[lo, cols], ordered[hi, cols]
    out = x_lo + (h - lo) * (x_hi - x_lo)
    out[counts == 0] = np.nan
    return out, counts


@dataclass(frozen=True)
class DataSufficiency:
    """Whether a CGM report period holds enough data to be reported.

    Attributes
    ----------
    active_percent : float
        Percent of the period's ``dt0``-minute slots holding at least one reading.
    sufficient : bool
        True when ``active_percent >= min_active_percent``.
    period_days : float
        Length of the period in days.
    """

    active_percent: float
    sufficient: bool
    period_days: float


def data_sufficiency(
    times: ArrayLike | Sequence[dt.datetime],
    period_start: dt.datetime | np.datetime64,
    period_days: float = REPORT_PERIOD_DAYS,
    dt0_min: int = AGP_BIN_MIN,
    min_active_percent: float = REPORT_MIN_ACTIVE_PERCENT,
) -> DataSufficiency:
    """Share of a report period covered by CGM readings, and whether it suffices.

    Parameters
    ----------
    times : sequence of aware datetime or array of datetime64 (UTC)
        Reading times; readings outside the period are ignored.
    period_start : aware datetime or datetime64 (UTC)
        Start of the report period.
    period_days : float, default 14
        Length of the period in days (Battelino 2019: 14-day reports).
    dt0_min : int, default 5
        Expected reading interval in minutes.
    min_active_percent : float, default 70
        Minimum CGM active time for a report (Battelino 2019).

    Returns
    -------
    DataSufficiency
        ``sufficient`` is False when the report must be marked "insufficient data".

    Notes
    -----
    active % = 100 * (slots of ``dt0_min`` with >= 1 reading) / (period_days * 1440 /
    dt0_min). Unlike iglu's ``active_percent`` (relative to the first-to-last reading
    span) the denominator is the whole report period, so missing days count.

    References
    ----------
    Battelino T, et al. Diabetes Care 2019;42(8):1593-1603.
    """
    if period_days <= 0 or dt0_min <= 0:
        raise GlycemicInputError(
            f"period_days and dt0_min must be positive; got {period_days}, {dt0_min}"
        )
    t_s = times_to_epoch_s(times)
    start_s = float(times_to_epoch_s(np.array([period_start]), "period_start")[0])
    n_slots = round(period_days * 1440 / dt0_min)
    slot = np.floor((t_s - start_s) / (dt0_min * 60.0)).astype(np.int64)
    covered = np.unique(slot[(slot >= 0) & (slot < n_slots)]).size
    active = 100.0 * covered / n_slots
    return DataSufficiency(active, active >= min_active_percent, float(period_days))
