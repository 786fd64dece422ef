"""Time-domain HRV per window (Task Force 1996), vectorised across windows and people.

All windows of all participants are computed in one pass with ``np.bincount`` over an
integer group label (e.g. ``participant_index * n_windows + window_index``); only
sample entropy loops over groups, because it is quadratic within a window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from analytics.cardiac._validate import BoolArray, FloatArray, IntArray, as_rr_ms, as_times_s
from analytics.cardiac.entropy import sample_entropy
from analytics.cardiac.rr import clean_rr, window_coverage, window_index
from analytics.clinical_constants import WINDOW_S
from analytics.errors import CardiacInputError

# Task Force 1996: NN50 counts successive NN differences greater than 50 ms.
NN50_MS = 50.0
# Successive intervals must be contiguous in time; a closing-beat gap differing from the
# interval by more than half an interval means beats were lost between them (engineering
# tolerance, well above BLE timestamp jitter and far below one missed beat).
CONTIGUITY_TOLERANCE = 0.5


@dataclass(frozen=True, eq=False)
class HRVWindows:
    """Time-domain HRV, one entry per group (window).

    Attributes
    ----------
    group : ndarray of int
        Group label of each row (for :func:`hrv_windows`, the window number).
    start_s : ndarray of float
        Window start in seconds (NaN from :func:`hrv_by_group`, which knows no time).
    n_nn : ndarray of int
        Number of NN intervals in the window.
    mean_nn_ms, sdnn_ms, rmssd_ms : ndarray of float
        Mean NN, SDNN (ddof=1) and RMSSD in milliseconds.
    pnn50_pct : ndarray of float
        NN50 as a percentage of the number of NN intervals in the window.
    sampen : ndarray of float
        Sample entropy SampEn(2, 0.2 SD) of the window's NN intervals.
    coverage : ndarray of float
        Share of the window covered by plausible (non-artefact) intervals, 0-1 (NaN
        from :func:`hrv_by_group`). Windows below 0.8 should not drive alerts.
    """

    group: IntArray
    start_s: FloatArray
    n_nn: IntArray
    mean_nn_ms: FloatArray
    sdnn_ms: FloatArray
    rmssd_ms: FloatArray
    pnn50_pct: FloatArray
    sampen: FloatArray
    coverage: FloatArray


def _successive_mask(rr: FloatArray, times_s: FloatArray | None) -> BoolArray:
    """True at i when interval i directly follows interval i - 1 (no lost beats)."""
    out = np.zeros(rr.size, dtype=bool)
    if rr.size < 2:
        return out
    if times_s is None:
        out[1:] = True
        return out
    gap_ms = np.diff(times_s) * 1000.0
    out[1:] = np.abs(gap_ms - rr[1:]) <= CONTIGUITY_TOLERANCE * rr[1:]
    return out


def _divide(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """Elementwise num / den, NaN where den <= 0."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    return np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)


def _sampen_by_group(rr: FloatArray, g: IntArray, n_groups: int) -> FloatArray:
    out = np.full(n_groups, np.nan)
    order = np.argsort(g, kind="stable")
    bounds = np.searchsorted(g[order], np.arange(n_groups + 1))
    for k in np.flatnonzero(np.diff(bounds) > 0):
        out[k] = sample_entropy(rr[order[bounds[k] : bounds[k + 1]]])
    return out


def _check_group(group: npt.ArrayLike, n: int) -> IntArray:
    g = np.asarray(group)
    if g.shape != (n,) or not np.issubdtype(g.dtype, np.integer) or (n and g.min() < 0):
        msg = f"group should be {n} non-negative integers (one per RR interval); got {g!r:.80}"
        raise CardiacInputError(msg)
    return g.astype(np.intp)


def hrv_by_group(
    rr_ms: npt.ArrayLike,
    group: npt.ArrayLike,
    *,
    normal: npt.ArrayLike | None = None,
    successive: npt.ArrayLike | None = None,
    sampen: bool = True,
) -> HRVWindows:
    """Time-domain HRV for every group label in one vectorised pass.

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds (may concatenate many participants).
    group : array_like of int, shape (n,)
        Non-negative group label of each interval, e.g. ``participant * W + window``.
    normal : array_like of bool, shape (n,), optional
        Which intervals are NN (default: :func:`~analytics.cardiac.clean_rr` over the
        whole input).
    successive : array_like of bool, shape (n,), optional
        True at ``i`` when interval ``i`` directly follows ``i - 1`` in the same
        recording (default: all but the first). A successive difference is used only
        when both intervals are NN, successive and in the same group.
    sampen : bool, optional
        Compute sample entropy (quadratic per group; default True).

    Returns
    -------
    HRVWindows
        One row per label ``0 .. max(group)``; empty groups hold NaN.

    Notes
    -----
    With :math:`NN_1 \\dots NN_n` the NN intervals of a group and :math:`D` the set of
    its successive differences :math:`\\Delta_j = NN_{j} - NN_{j-1}`:

    .. math::

        \\overline{NN} = \\frac{1}{n}\\sum NN_i, \\quad
        SDNN = \\sqrt{\\tfrac{1}{n-1}\\sum (NN_i - \\overline{NN})^2}, \\quad
        RMSSD = \\sqrt{\\tfrac{1}{|D|}\\sum_{D} \\Delta_j^2}, \\quad
        pNN50 = 100\\,\\frac{\\#\\{|\\Delta_j| > 50\\,\\mathrm{ms}\\}}{n}

    pNN50's denominator is the number of NN intervals, as the Task Force defines it
    (NeuroKit2 uses the same). Sample entropy: see
    :func:`~analytics.cardiac.sample_entropy`.

    References
    ----------
    .. [1] Task Force of the European Society of Cardiology and the North American
       Society of Pacing and Electrophysiology. Heart rate variability: standards of
       measurement, physiological interpretation and clinical use. Circulation
       1996;93:1043-1065.

    Examples
    --------
    >>> h = hrv_by_group([800.0, 900.0, 800.0, 1000.0, 1000.0], [0, 0, 0, 1, 1], sampen=False)
    >>> h.rmssd_ms.tolist(), h.pnn50_pct.round(1).tolist()
    ([100.0, 0.0], [66.7, 0.0])
    """
    rr = as_rr_ms(rr_ms)
    g = _check_group(group, rr.size)
    nn = clean_rr(rr).normal if normal is None else np.asarray(normal, dtype=bool)
    succ = _successive_mask(rr, None) if successive is None else np.asarray(successive, bool)
    if nn.shape != rr.shape or succ.shape != rr.shape:
        msg = f"normal and successive should have one entry per RR interval ({rr.size})"
        raise CardiacInputError(msg)
    n_groups = int(g.max()) + 1 if g.size else 0
    n = np.bincount(g[nn], minlength=n_groups)
    mean = _divide(np.bincount(g[nn], weights=rr[nn], minlength=n_groups), n.astype(float))
    dev2 = (rr - mean[g]) ** 2 if n_groups else rr
    sdnn = np.sqrt(_divide(np.bincount(g[nn], dev2[nn], n_groups), n - 1.0))
    pair = succ.copy()
    pair[1:] &= nn[1:] & nn[:-1] & (g[1:] == g[:-1])
    diff = np.diff(rr, prepend=rr[:1])
    n_pair = np.bincount(g[pair], minlength=n_groups).astype(float)
    rmssd = np.sqrt(_divide(np.bincount(g[pair], diff[pair] ** 2, n_groups), n_pair))
    nn50 = np.bincount(g[pair], (np.abs(diff) > NN50_MS)[pair].astype(float), n_groups)
    pnn50 = np.where(n_pair > 0, 100.0 * _divide(nn50, n.astype(float)), np.nan)
    ent = _sampen_by_group(rr[nn], g[nn], n_groups) if sampen else np.full(n_groups, np.nan)
    return HRVWindows(
        group=np.arange(n_groups, dtype=np.intp),
        start_s=np.full(n_groups, np.nan),
        n_nn=n.astype(np.intp),
        mean_nn_ms=mean,
        sdnn_ms=sdnn,
        rmssd_ms=rmssd,
        pnn50_pct=pnn50,
        sampen=ent,
        coverage=np.full(n_groups, np.nan),
    )


def hrv_windows(
    rr_ms: npt.ArrayLike,
    *,
    times_s: npt.ArrayLike | None = None,
    window_s: float = WINDOW_S,
    origin_s: float | None = None,
    normal: npt.ArrayLike | None = None,
    sampen: bool = True,
) -> HRVWindows:
    """Time-domain HRV of one recording in consecutive fixed windows (default 5 min).

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds, in order.
    times_s : array_like of float, shape (n,), optional
        Time of the beat closing each interval, in seconds (any clock). Default: the
        cumulative sum of ``rr_ms`` (a record without gaps). With times given,
        intervals separated by lost beats are not differenced.
    window_s : float, optional
        Window length in seconds (default 300, Task Force short-term recordings).
    origin_s : float, optional
        Start of the first window (default: the start of the first interval).
    normal : array_like of bool, shape (n,), optional
        NN mask (default :func:`~analytics.cardiac.clean_rr`: artefacts and ectopic
        beats are excluded from HRV, docs/clinical.md).
    sampen : bool, optional
        Compute sample entropy (default True).

    Returns
    -------
    HRVWindows
        One row per window from the first to the last interval, with ``start_s`` and
        ``coverage`` (as :func:`~analytics.cardiac.window_coverage`) filled in.

    Notes
    -----
    Formulas as in :func:`hrv_by_group`. Discard windows whose coverage is below 0.8
    (docs/clinical.md).

    References
    ----------
    .. [1] Task Force of the ESC and NASPE. Circulation 1996;93:1043-1065.

    Examples
    --------
    >>> h = hrv_windows([1000.0, 1050.0] * 292, window_s=300.0, sampen=False)
    >>> h.mean_nn_ms.round(0).tolist(), h.rmssd_ms.round(1).tolist()
    ([1025.0, 1025.0], [50.0, 50.0])
    """
    rr = as_rr_ms(rr_ms)
    t = None if times_s is None else as_times_s(times_s, rr.size)
    k, origin = window_index(rr, t, window_s, origin_s)
    out = hrv_by_group(rr, k, normal=normal, successive=_successive_mask(rr, t), sampen=sampen)
    cov = window_coverage(rr, times_s=t, window_s=window_s, origin_s=origin)
    return replace(out, start_s=cov.start_s, coverage=cov.coverage)
