"""Consensus CGM metrics computed exactly as iglu 4.3.0 computes them.

Reading-based metrics (mean, SD, CV, GMI, J-index, LBGI, HBGI, the range percentages,
GRI) use every reading; ADRR groups readings by local calendar day; CONGA, MODD and
MAGE use the interpolated day-by-day grid (:mod:`analytics.glycemic.grid`);
active percent counts the readings missing from the observed period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from analytics.clinical_constants import (
    HIGH_MG_DL,
    LOW_MG_DL,
    TIGHT_HIGH_MG_DL,
    VERY_HIGH_MG_DL,
    VERY_LOW_MG_DL,
)
from analytics.glycemic._inputs import FloatArray, TzLike, local_day_index, validated
from analytics.glycemic.grid import DayGrid, day_grid_from_epoch, sorted_unique_last
from analytics.glycemic.mage import mage_ma

# Bergenstal RM, et al. Diabetes Care 2018;41:2275-2280: GMI (%) = 3.31 + 0.02392 * mean.
GMI_INTERCEPT_PCT = 3.31
GMI_SLOPE_PCT_PER_MG_DL = 0.02392
# Wojcicki JM. Horm Metab Res 1995;27:41-42: J = 0.001 * (mean + SD)^2 (mg/dL).
J_INDEX_SCALE = 0.001
# Kovatchev BP, et al. Diabetes Care 1997;20:1655 / 2006;29:2433: symmetrised BG scale
# f = 1.509 * (ln(BG)^1.084 - 5.381); risk = 10 * f^2 = 22.77 * (ln(BG)^1.084 - 5.381)^2.
BG_EXPONENT = 1.084
BG_SHIFT = 5.381
RISK_SCALE = 22.77
# Kovatchev: BG below 112.5 mg/dL (f < 0) feeds LBGI, at or above feeds HBGI.
RISK_SPLIT_MG_DL = 112.5
# Klonoff DC, et al. J Diabetes Sci Technol 2023;17:1226-1242: GRI weights, capped at 100.
GRI_WEIGHTS = (3.0, 2.4, 1.6, 0.8)  # very low, low, very high, high
GRI_CAP = 100.0
# McDonnell CM, et al. Diabetes Technol Ther 2005;7:253-263; iglu conga(n = 1).
CONGA_HOURS = 1
# Service FJ, Nelson RL. Diabetes Care 1980;3:58-62; iglu modd(lag = 1): 1 day.
MODD_LAG_DAYS = 1
# iglu mage(): always evaluated on a 5-minute grid.
MAGE_GRID_MIN = 5

METRIC_KEYS = (
    "mean",
    "SD",
    "CV",
    "GMI",
    "J_index",
    "LBGI",
    "HBGI",
    "ADRR",
    "below_54",
    "below_70",
    "in_range_70_140",
    "in_range_70_180",
    "above_180",
    "above_250",
    "CONGA1",
    "MODD",
    "MAGE",
    "active_percent",
    "GRI",
)


def cgm_metrics(
    times: ArrayLike | Sequence[dt.datetime], glucose_mg_dl: ArrayLike, tz: TzLike
) -> Mapping[str, float]:
    """Consensus CGM metrics for one subject, matching iglu 4.3.0 to ~1e-9.

    Parameters
    ----------
    times : sequence of aware datetime or array of datetime64 (UTC)
        Reading times of one subject.
    glucose_mg_dl : array_like of float
        Glucose readings in mg/dL, one per time; finite and positive.
        Sensor LOW/HIGH as 39/401 mg/dL (:func:`~analytics.glycemic.uncensor`), so
        they count in the percent below 54/70 (above 250) and in active time.
    tz : str or tzinfo
        Local time zone of the subject (e.g. "Asia/Seoul"); defines calendar days
        (ADRR, MODD) and the 00:00 start of the grid.

    Returns
    -------
    Mapping[str, float]
        Read-only mapping with iglu's output names: ``mean``, ``SD``, ``CV`` (%),
        ``GMI`` (%), ``J_index``, ``LBGI``, ``HBGI``, ``ADRR``, ``below_54``,
        ``below_70``, ``in_range_70_140``, ``in_range_70_180``, ``above_180``,
        ``above_250`` (% of readings), ``CONGA1``, ``MODD``, ``MAGE`` (mg/dL),
        ``active_percent`` (%), ``GRI``. Grid metrics are NaN when fewer than two
        distinct reading times exist.

    Raises
    ------
    GlycemicInputError
        On mismatched lengths, naive datetimes, non-finite glucose or a bad ``tz``.

    Notes
    -----
    * mean, SD (n - 1), CV = 100 SD / mean; GMI = 3.31 + 0.02392 mean (Bergenstal 2018);
      J = 0.001 (mean + SD)^2.
    * f = ln(BG)^1.084 - 5.381; LBGI = 22.77 sum_{BG<112.5} f^2 / n, HBGI likewise for
      BG >= 112.5; ADRR = mean over local days of 22.77 (max(0, max f)^2 + min(0, min f)^2)
      (Kovatchev 1997, 2006).
    * below_t: % BG < t; in_range: % t1 <= BG <= t2; above_t: % BG > t (Battelino 2019).
    * CONGA1 = SD of grid differences 1 h apart (McDonnell 2005); MODD = mean absolute
      difference between grid values 24 h apart (Service 1980); MAGE by iglu's
      moving-average method (Service 1970; Fernandes 2022).
    * GRI = 3.0 VLow + 2.4 Low + 1.6 VHigh + 0.8 High, capped at 100 (Klonoff 2023).

    References
    ----------
    Battelino T, et al. Diabetes Care 2019;42(8):1593-1603.
    Broll S, et al. PLoS ONE 2021;16(4):e0248560 (iglu 4.3.0).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.datetime64("2024-01-01T00:00") + np.arange(12) * np.timedelta64(5, "m")
    >>> m = cgm_metrics(t, np.full(12, 100.0), "Asia/Seoul")
    >>> round(m["GMI"], 4), m["below_70"], m["active_percent"]
    (5.702, 0.0, 100.0)
    """
    t_s, g, zone = validated(times, glucose_mg_dl, tz)
    out = reading_metrics(g)
    out["ADRR"] = adrr(g, local_day_index(t_s, zone))
    out.update(_grid_metrics(t_s, g, zone))
    out["active_percent"] = active_percent(t_s)
    return MappingProxyType({key: out[key] for key in METRIC_KEYS})


def reading_metrics(g: FloatArray) -> dict[str, float]:
    """Metrics computed on every reading (no grid, no time).

    Parameters
    ----------
    g : ndarray of float
        Glucose readings in mg/dL (finite, positive).

    Returns
    -------
    dict of str to float
        ``mean``, ``SD`` (n - 1), ``CV`` (%), ``GMI`` (%), ``J_index``, ``LBGI``,
        ``HBGI``, the six range percentages and ``GRI`` (see :func:`cgm_metrics`).

    References
    ----------
    Bergenstal RM, et al. Diabetes Care 2018;41:2275-2280 (GMI).
    Wojcicki JM. Horm Metab Res 1995;27:41-42 (J-index).
    """
    mean = float(np.mean(g))
    sd = float(np.std(g, ddof=1)) if g.size > 1 else float("nan")
    out = {
        "mean": mean,
        "SD": sd,
        "CV": 100.0 * sd / mean,
        "GMI": GMI_INTERCEPT_PCT + GMI_SLOPE_PCT_PER_MG_DL * mean,
        "J_index": J_INDEX_SCALE * (mean + sd) ** 2,
    }
    out.update(risk_indices(g))
    out.update(range_percents(g))
    out["GRI"] = gri(out)
    return out


def bg_risk_f(g: FloatArray) -> FloatArray:
    """Kovatchev's symmetrised glucose scale without its 1.509 factor.

    Parameters
    ----------
    g : ndarray of float
        Glucose in mg/dL.

    Returns
    -------
    ndarray of float
        ``ln(g) ** 1.084 - 5.381`` (negative below 112.5 mg/dL).

    References
    ----------
    Kovatchev BP, et al. Diabetes Care 1997;20:1655-1658.
    """
    return np.asarray(np.log(g) ** BG_EXPONENT - BG_SHIFT, dtype=np.float64)


def risk_indices(g: FloatArray) -> dict[str, float]:
    """Low and high blood glucose indices.

    Parameters
    ----------
    g : ndarray of float
        Glucose in mg/dL.

    Returns
    -------
    dict of str to float
        ``LBGI = 22.77 sum_{g < 112.5} f^2 / n`` and ``HBGI = 22.77 sum_{g >= 112.5}
        f^2 / n`` with ``f`` from :func:`bg_risk_f` and ``n`` all readings.

    References
    ----------
    Kovatchev BP, et al. Diabetes Care 1997;20:1655-1658; Diabetes Care
    2006;29:2433-2438.
    """
    f = bg_risk_f(g)
    low = g < RISK_SPLIT_MG_DL
    return {
        "LBGI": RISK_SCALE * float(np.sum(f[low] ** 2)) / g.size,
        "HBGI": RISK_SCALE * float(np.sum(f[~low] ** 2)) / g.size,
    }


def adrr(g: FloatArray, day_index: np.ndarray) -> float:
    """Average daily risk range over local calendar days.

    Parameters
    ----------
    g : ndarray of float
        Glucose in mg/dL.
    day_index : ndarray of int
        Local calendar day of each reading.

    Returns
    -------
    float
        Mean over days of ``22.77 (max(0, max_day f)^2 + min(0, min_day f)^2)``.

    References
    ----------
    Kovatchev BP, et al. Evaluation of a new measure of blood glucose variability in
    diabetes. Diabetes Care 2006;29:2433-2438.
    """
    f = bg_risk_f(g)
    days, inverse = np.unique(day_index, return_inverse=True)
    f_max = np.full(days.size, -np.inf)
    f_min = np.full(days.size, np.inf)
    np.maximum.at(f_max, inverse, f)
    np.minimum.at(f_min, inverse, f)
    daily = RISK_SCALE * (np.maximum(f_max, 0.0) ** 2 + np.minimum(f_min, 0.0) ** 2)
    return float(np.mean(daily))


def range_percents(g: FloatArray) -> dict[str, float]:
    """Percent of readings below, within and above the consensus thresholds.

    Parameters
    ----------
    g : ndarray of float
        Glucose in mg/dL.

    Returns
    -------
    dict of str to float
        ``below_t`` = % g < t (54, 70); ``in_range_t1_t2`` = % t1 <= g <= t2 (70-140,
        70-180); ``above_t`` = % g > t (180, 250).

    References
    ----------
    Battelino T, et al. Diabetes Care 2019;42:1593-1603.
    """

    def pct(mask: np.ndarray) -> float:
        return 100.0 * float(np.count_nonzero(mask)) / g.size

    return {
        "below_54": pct(g < VERY_LOW_MG_DL),
        "below_70": pct(g < LOW_MG_DL),
        "in_range_70_140": pct((g >= LOW_MG_DL) & (g <= TIGHT_HIGH_MG_DL)),
        "in_range_70_180": pct((g >= LOW_MG_DL) & (g <= HIGH_MG_DL)),
        "above_180": pct(g > HIGH_MG_DL),
        "above_250": pct(g > VERY_HIGH_MG_DL),
    }


def gri(percents: Mapping[str, float]) -> float:
    """Glycemia Risk Index from the range percentages.

    Parameters
    ----------
    percents : mapping
        ``below_54``, ``below_70``, ``above_180`` and ``above_250`` in %.

    Returns
    -------
    float
        ``3.0 VLow + 2.4 Low + 1.6 VHigh + 0.8 High`` capped at 100, with VLow = % < 54,
        Low = % in [54, 70), VHigh = % > 250, High = % in (180, 250].

    References
    ----------
    Klonoff DC, et al. A Glycemia Risk Index (GRI) of hypoglycemia and hyperglycemia for
    continuous glucose monitoring validated by clinician ratings. J Diabetes Sci
    Technol 2023;17(5):1226-1242.
    """
    w_vlow, w_low, w_vhigh, w_high = GRI_WEIGHTS
    very_low = percents["below_54"]
    low = percents["below_70"] - very_low
    very_high = percents["above_250"]
    high = percents["above_180"] - very_high
    return min(GRI_CAP, w_vlow * very_low + w_low * low + w_vhigh * very_high + w_high * high)


def _grid_metrics(t_s: FloatArray, g: FloatArray, zone: dt.tzinfo) -> dict[str, float]:
    nan = float("nan")
    if np.unique(t_s).size < 2:
        return {"CONGA1": nan, "MODD": nan, "MAGE": nan}
    grid = day_grid_from_epoch(t_s, g, zone)
    if grid.dt0_min == MAGE_GRID_MIN:
        mage_grid = grid
    else:
        mage_grid = day_grid_from_epoch(t_s, g, zone, dt0_min=MAGE_GRID_MIN)
    return {"CONGA1": conga(grid), "MODD": modd(grid), "MAGE": mage_ma(mage_grid)}


def conga(grid: DayGrid, hours: int = CONGA_HOURS) -> float:
    """Continuous overall net glycaemic action.

    Parameters
    ----------
    grid : DayGrid
        Interpolated day-by-day grid.
    hours : int, default 1
        Lag in hours (iglu is called with ``n = 1``).

    Returns
    -------
    float
        Sample SD (n - 1) in mg/dL of ``grid[k + lag] - grid[k]`` over the flattened
        grid, ``lag = round(60 hours / dt0)``, pairs with a missing value dropped.

    References
    ----------
    McDonnell CM, et al. A novel approach to continuous glucose analysis utilizing
    glycemic variation. Diabetes Technol Ther 2005;7:253-263.
    """
    lag = round(hours * 60 / grid.dt0_min)
    flat = grid.flat
    diffs = flat[lag:] - flat[:-lag]
    diffs = diffs[np.isfinite(diffs)]
    return float(np.std(diffs, ddof=1)) if diffs.size > 1 else float("nan")


def modd(grid: DayGrid, lag_days: int = MODD_LAG_DAYS) -> float:
    """Mean of daily differences.

    Parameters
    ----------
    grid : DayGrid
        Interpolated day-by-day grid (rows are local calendar days).
    lag_days : int, default 1
        Day lag.

    Returns
    -------
    float
        Mean in mg/dL of ``|grid[d + lag, c] - grid[d, c]|`` over the pairs where both
        values exist.

    References
    ----------
    Service FJ, Nelson RL. Characteristics of glycemic stability. Diabetes Care
    1980;3:58-62.
    """
    values = grid.glucose_mg_dl
    if values.shape[0] <= lag_days:
        return float("nan")
    diffs = np.abs(values[lag_days:] - values[:-lag_days])
    diffs = diffs[np.isfinite(diffs)]
    return float(np.mean(diffs)) if diffs.size else float("nan")


def active_percent(t_s: FloatArray) -> float:
    """Percent of expected readings present between the first and the last reading.

    Parameters
    ----------
    t_s : ndarray of float
        Reading times, UTC epoch seconds.

    Returns
    -------
    float
        ``100 (expected - missing) / expected`` with ``dt0`` the rounded median spacing
        (min), ``expected = round(round(span_min) / dt0) + 1`` and ``missing =
        round((sum(gaps) - n_gaps dt0) / dt0)`` over the gaps with ``round(gap) > dt0``
        (iglu 4.3.0 ``active_percent``, ``range_type = "automatic"``).

    References
    ----------
    Danne T, et al. International consensus on use of continuous glucose monitoring.
    Diabetes Care 2017;40:1631-1640.
    """
    t_s, _ = sorted_unique_last(t_s, t_s)
    if t_s.size < 2:
        return 100.0 if t_s.size == 1 else float("nan")
    diff_min = np.diff(t_s) / 60.0
    dt0 = float(np.round(np.median(diff_min)))
    if dt0 <= 0:
        return float("nan")
    expected = np.round(np.round((t_s[-1] - t_s[0]) / 60.0) / dt0) + 1
    gaps = diff_min[np.round(diff_min) > dt0]
    missing = np.round((gaps.sum() - gaps.size * dt0) / dt0)
    return float(100.0 * (expected - missing) / expected)
