"""Implausible jumps (heart rate, glucose) and sensor contact, per sample and per window."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from analytics.quality._validate import (
    BoolArray,
    FloatArray,
    as_1d_float,
    as_mask,
    as_times_s,
    check_positive,
)
from analytics.quality.coverage import WindowGrid
from analytics.quality.errors import QualityInputError

# Malik's criterion (Malik et al., Eur Heart J 1989;10:1060-1074): a beat differing from
# its reference by > 20 % is not a normal sinus beat. Applied to successive heart-rate
# samples (HR is 60000 / RR, so the same relative change), it marks jumps no sinus node
# produces within a second or two; the same 20 % as analytics.cardiac.clean_rr.
HR_MAX_RELATIVE_JUMP = 0.20
# Heart Rate Measurement notifications arrive about once per second (docs/ble.md);
# successive samples more than 2.5 s apart (two lost notifications) are not compared
# (engineering choice: across a longer gap a large change can be real).
HR_JUMP_MAX_GAP_S = 2.5
# Glucose changes faster than about 4 mg/dL/min are physiologically exceptional: the
# rate axis of the continuous glucose-error grid ends at +-4 mg/dL/min (Kovatchev et al.,
# Diabetes Care 2004;27:1922-1928) and the 99.9th percentile of rates in healthy adults
# is below 1.5 mg/dL/min (+89 mg/dL/h; J Diabetes Sci Technol 2024, doi
# 10.1177/19322968241298248). Above 5 mg/dL/min a step is taken as a sensor artefact
# (compression low, calibration jump).
GLUCOSE_MAX_RATE_MG_DL_PER_MIN = 5.0


def hr_jumps(
    times_s: npt.ArrayLike,
    hr_bpm: npt.ArrayLike,
    *,
    max_relative_change: float = HR_MAX_RELATIVE_JUMP,
    max_gap_s: float = HR_JUMP_MAX_GAP_S,
) -> BoolArray:
    """Flag heart-rate samples that jump implausibly from the previous sample.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times in seconds, sorted.
    hr_bpm : array_like of float, shape (n,)
        Heart rate in beats per minute.
    max_relative_change : float, optional
        Largest plausible change relative to the previous sample (default 0.20, Malik
        1989).
    max_gap_s : float, optional
        Samples further apart than this are not compared (default 2.5 s).

    Returns
    -------
    ndarray of bool, shape (n,)
        True at :math:`i` when :math:`t_i - t_{i-1} \\le` ``max_gap_s`` and
        :math:`|HR_i - HR_{i-1}| > 0.2\\, HR_{i-1}`; the first sample is False.

    References
    ----------
    .. [1] Malik M, Farrell T, Cripps T, Camm AJ. Eur Heart J 1989;10:1060-1074.

    Examples
    --------
    >>> hr_jumps([0.0, 1.0, 2.0, 10.0], [70.0, 71.0, 100.0, 140.0]).tolist()
    [False, False, True, False]
    """
    hr = as_1d_float(hr_bpm, "hr_bpm")
    t = as_times_s(times_s, n=hr.size)
    check_positive(max_relative_change, "max_relative_change")
    check_positive(max_gap_s, "max_gap_s")
    out = np.zeros(hr.size, dtype=bool)
    if hr.size > 1:
        near = np.diff(t) <= max_gap_s
        out[1:] = near & (np.abs(np.diff(hr)) > max_relative_change * hr[:-1])
    return out


def glucose_rate_mg_dl_per_min(times_s: npt.ArrayLike, glucose_mg_dl: npt.ArrayLike) -> FloatArray:
    """Rate of change of glucose from the previous reading, mg/dL per minute.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Reading times in seconds, strictly increasing.
    glucose_mg_dl : array_like of float, shape (n,)
        Glucose in mg/dL.

    Returns
    -------
    ndarray of float, shape (n,)
        :math:`60\\,(G_i - G_{i-1}) / (t_i - t_{i-1})`; NaN for the first reading.

    Examples
    --------
    >>> glucose_rate_mg_dl_per_min([0.0, 300.0], [100.0, 110.0]).tolist()
    [nan, 2.0]
    """
    g = as_1d_float(glucose_mg_dl, "glucose_mg_dl")
    t = as_times_s(times_s, n=g.size)
    if g.size > 1 and (np.diff(t) <= 0).any():
        msg = "times_s should be strictly increasing; drop duplicate CGM readings first"
        raise QualityInputError(msg)
    return np.r_[np.nan, 60.0 * np.diff(g) / np.diff(t)] if g.size else np.empty(0)


def glucose_jumps(
    times_s: npt.ArrayLike,
    glucose_mg_dl: npt.ArrayLike,
    *,
    max_rate_mg_dl_per_min: float = GLUCOSE_MAX_RATE_MG_DL_PER_MIN,
) -> BoolArray:
    """Flag CGM readings reached from the previous one at an implausible rate.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Reading times in seconds, strictly increasing.
    glucose_mg_dl : array_like of float, shape (n,)
        Glucose in mg/dL.
    max_rate_mg_dl_per_min : float, optional
        Largest plausible absolute rate (default 5 mg/dL/min; Kovatchev 2004).

    Returns
    -------
    ndarray of bool, shape (n,)
        True where :math:`|dG/dt| >` ``max_rate_mg_dl_per_min``
        (:func:`glucose_rate_mg_dl_per_min`).

    References
    ----------
    .. [1] Kovatchev BP, Gonder-Frederick LA, Cox DJ, Clarke WL. Evaluating the accuracy
       of continuous glucose-monitoring sensors: continuous glucose-error grid analysis
       illustrated by TheraSense Freestyle Navigator data. Diabetes Care
       2004;27:1922-1928.

    Examples
    --------
    >>> glucose_jumps([0.0, 300.0, 600.0], [100.0, 110.0, 150.0]).tolist()
    [False, False, True]
    """
    check_positive(max_rate_mg_dl_per_min, "max_rate_mg_dl_per_min")
    rate = glucose_rate_mg_dl_per_min(times_s, glucose_mg_dl)
    return np.asarray(np.abs(np.nan_to_num(rate)) > max_rate_mg_dl_per_min, dtype=np.bool_)


def share_per_window(times_s: npt.ArrayLike, flags: npt.ArrayLike, grid: WindowGrid) -> FloatArray:
    """Share of the samples in each window whose flag is True.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times in seconds, sorted.
    flags : array_like of bool, shape (n,)
        Per-sample flag (e.g. sensor contact, :func:`hr_jumps`).
    grid : WindowGrid
        The windows.

    Returns
    -------
    ndarray of float, shape (len(grid.start_s),)
        :math:`\\#\\{flag\\} / \\#\\{samples\\}` per window; NaN for windows without samples.

    Examples
    --------
    >>> from analytics.quality.coverage import window_grid
    >>> share_per_window([1.0, 2.0, 3.0, 11.0], np.array([True, True, False, True]),
    ...                  window_grid(0.0, 30.0, window_s=10.0)).tolist()
    [0.6666666666666666, 1.0, nan]
    """
    t = as_times_s(times_s)
    f = as_mask(flags, "flags", t.size)
    n = grid.start_s.size
    k = grid.index(t)
    inside = (k >= 0) & (k < n)
    count = np.bincount(k[inside], minlength=n).astype(np.float64)
    hits = np.bincount(k[inside], weights=f[inside].astype(np.float64), minlength=n)
    return np.where(count > 0, hits / np.where(count > 0, count, 1.0), np.nan)


def contact_share(times_s: npt.ArrayLike, contact: npt.ArrayLike, grid: WindowGrid) -> FloatArray:
    """Share of heart-rate samples per window sent with sensor contact detected.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Heart Rate Measurement sample times, seconds, sorted.
    contact : array_like of bool, shape (n,)
        True where the notification's sensor-contact field (Heart Rate Measurement
        flags bits 1-2) is 3, "contact detected", False where it is 2, "not detected"
        (docs/ble.md). Leave out devices that do not support contact (0 or 1).
    grid : WindowGrid
        The windows.

    Returns
    -------
    ndarray of float
        Share of samples with contact (0-1), NaN for windows without samples.

    Examples
    --------
    >>> from analytics.quality.coverage import window_grid
    >>> contact_share([1.0, 2.0], np.array([True, False]),
    ...               window_grid(0.0, 300.0)).tolist()
    [0.5]
    """
    return share_per_window(times_s, contact, grid)
