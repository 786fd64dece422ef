"""RR-interval cleaning: artefact rejection, ectopic-beat detection, window coverage.

RR intervals arrive from the Heart Rate Measurement characteristic (1/1024 s units, see
docs/ble.md); here they are milliseconds. Cleaning never deletes intervals: it
returns masks, so callers keep one label per interval and the time axis stays intact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import median_filter

from analytics.cardiac._validate import (
    BoolArray,
    FloatArray,
    as_rr_ms,
    as_times_s,
    beat_end_times_s,
    check_fraction,
    check_odd_window,
    check_positive,
)
from analytics.clinical_constants import RR_MAX_MS, RR_MIN_MS, WINDOW_S
from analytics.errors import CardiacInputError

# docs/clinical.md: a beat differing from the local median by > 20 % is ectopic. The
# 20 % figure is Malik's criterion (Malik et al., Eur Heart J 1989;10:1060-1074), applied
# here against a local median rather than the previous interval so that the beat after
# an ectopic one (the compensatory pause) is judged against sinus beats.
ECTOPIC_TOLERANCE = 0.20
# Local median over 11 valid beats (~10 s at rest): one or two ectopic beats cannot move
# the median, yet it follows physiological rate changes (engineering choice).
ECTOPIC_MEDIAN_BEATS = 11


@dataclass(frozen=True, eq=False)
class CleanRR:
    """RR intervals with per-interval quality masks (all arrays have one entry per RR).

    Attributes
    ----------
    rr_ms : ndarray of float
        The RR intervals as given, in milliseconds.
    artefact : ndarray of bool
        True where the interval is outside ``[min_rr_ms, max_rr_ms]``.
    ectopic : ndarray of bool
        True where a plausible interval differs from its local median by more than the
        ectopic tolerance.
    normal : ndarray of bool
        True for normal-to-normal (NN) intervals: neither artefact nor ectopic.
    """

    rr_ms: FloatArray
    artefact: BoolArray
    ectopic: BoolArray
    normal: BoolArray


@dataclass(frozen=True, eq=False)
class WindowCoverage:
    """Coverage of consecutive fixed-length windows.

    Attributes
    ----------
    start_s : ndarray of float
        Window start times in seconds (same clock as the beat times).
    coverage : ndarray of float
        Share of each window (0-1) covered by valid RR intervals.
    """

    start_s: FloatArray
    coverage: FloatArray


def _local_median_ms(rr_ms: FloatArray, valid: BoolArray, beats: int) -> FloatArray:
    """Centred running median over ``beats`` valid intervals, defined at every index."""
    out = np.full(rr_ms.shape, np.nan)
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        return out
    out[idx] = median_filter(rr_ms[idx], size=min(beats, idx.size), mode="nearest")
    # Artefact positions take the median of the nearest valid interval before them.
    fill = np.maximum(np.searchsorted(idx, np.arange(rr_ms.size), side="right") - 1, 0)
    return np.where(valid, out, out[idx[fill]])


def _implausible_rr(
    rr_ms: FloatArray, min_rr_ms: float = RR_MIN_MS, max_rr_ms: float = RR_MAX_MS
) -> BoolArray:
    """:func:`artefact_mask` of an already validated series (private: no checks)."""
    return (rr_ms < min_rr_ms) | (rr_ms > max_rr_ms)


def artefact_mask(
    rr_ms: npt.ArrayLike, *, min_rr_ms: float = RR_MIN_MS, max_rr_ms: float = RR_MAX_MS
) -> BoolArray:
    """Flag physiologically impossible RR intervals.

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds.
    min_rr_ms, max_rr_ms : float, optional
        Plausible range in ms; defaults 200 and 3000 (docs/clinical.md).

    Returns
    -------
    ndarray of bool, shape (n,)
        True where ``rr_ms < min_rr_ms`` or ``rr_ms > max_rr_ms``.

    Examples
    --------
    >>> artefact_mask([800.0, 150.0, 3500.0]).tolist()
    [False, True, True]
    """
    rr = as_rr_ms(rr_ms)
    check_positive(min_rr_ms, "min_rr_ms")
    if not max_rr_ms > min_rr_ms:
        msg = f"max_rr_ms should exceed min_rr_ms ({min_rr_ms}); got {max_rr_ms!r}"
        raise CardiacInputError(msg)
    return _implausible_rr(rr, min_rr_ms, max_rr_ms)


def clean_rr(
    rr_ms: npt.ArrayLike,
    *,
    min_rr_ms: float = RR_MIN_MS,
    max_rr_ms: float = RR_MAX_MS,
    ectopic_tolerance: float = ECTOPIC_TOLERANCE,
    median_beats: int = ECTOPIC_MEDIAN_BEATS,
) -> CleanRR:
    """Mark artefacts and ectopic beats in an RR series.

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds, in order, for one recording.
    min_rr_ms, max_rr_ms : float, optional
        Plausible RR range in ms (default 200-3000, docs/clinical.md).
    ectopic_tolerance : float, optional
        Relative deviation from the local median above which a beat is ectopic
        (default 0.20).
    median_beats : int, optional
        Odd number of valid intervals in the centred running median (default 11).

    Returns
    -------
    CleanRR
        The input and boolean masks ``artefact``, ``ectopic`` and ``normal``.

    Notes
    -----
    An interval :math:`RR_i` inside the plausible range is ectopic when

    .. math:: |RR_i - \\mathrm{med}_i| > \\tau \\, \\mathrm{med}_i

    where :math:`\\mathrm{med}_i` is the running median of the plausible intervals
    around :math:`i` and :math:`\\tau` the tolerance. Both the premature interval and
    the compensatory pause after it are usually flagged, which is what HRV needs.
    Ectopic beats are excluded from HRV, not from AF analysis (docs/clinical.md).

    References
    ----------
    .. [1] Malik M, Farrell T, Cripps T, Camm AJ. Heart rate variability in relation to
       prognosis after myocardial infarction: selection of optimal processing
       techniques. Eur Heart J 1989;10:1060-1074.

    Examples
    --------
    >>> c = clean_rr([800, 810, 790, 500, 1100, 805, 800, 100])
    >>> c.ectopic.tolist()
    [False, False, False, True, True, False, False, False]
    >>> c.artefact.tolist()[-1]
    True
    """
    rr = as_rr_ms(rr_ms)
    check_fraction(ectopic_tolerance, "ectopic_tolerance")
    check_odd_window(median_beats, "median_beats", minimum=3)
    artefact = artefact_mask(rr, min_rr_ms=min_rr_ms, max_rr_ms=max_rr_ms)
    med = _local_median_ms(rr, ~artefact, median_beats)
    ectopic = ~artefact & (np.abs(rr - med) > ectopic_tolerance * med)
    return CleanRR(rr_ms=rr, artefact=artefact, ectopic=ectopic, normal=~artefact & ~ectopic)


def window_index(
    rr_ms: FloatArray, times_s: npt.ArrayLike | None, window_s: float, origin_s: float | None
) -> tuple[npt.NDArray[np.intp], float]:
    """Window number of each interval and the window origin.

    Parameters
    ----------
    rr_ms : ndarray of float, shape (n,)
        Validated RR intervals in milliseconds.
    times_s : array_like of float, shape (n,) or None
        Time of the beat closing each interval, seconds; None for the cumulative sum.
    window_s : float
        Window length in seconds.
    origin_s : float or None
        Start of window 0; None for the start of the first interval.

    Returns
    -------
    index : ndarray of int, shape (n,)
        :math:`\\lfloor (t_i - RR_i/2 - t_0) / T \\rfloor`: the window holding each
        interval's midpoint.
    origin_s : float
        The origin used.
    """
    check_positive(window_s, "window_s")
    end = beat_end_times_s(rr_ms) if times_s is None else as_times_s(times_s, rr_ms.size)
    mid = end - rr_ms / 2000.0
    if origin_s is None:
        origin_s = float(end[0] - rr_ms[0] / 1000.0) if end.size else 0.0
    k = np.floor((mid - origin_s) / window_s).astype(np.intp)
    if k.size and k.min() < 0:
        msg = f"origin_s ({origin_s}) should not be after the first interval ({mid.min()} s)"
        raise CardiacInputError(msg)
    return k, float(origin_s)


def window_coverage(
    rr_ms: npt.ArrayLike,
    valid: npt.ArrayLike | None = None,
    *,
    times_s: npt.ArrayLike | None = None,
    window_s: float = WINDOW_S,
    origin_s: float | None = None,
) -> WindowCoverage:
    """Share of each fixed window covered by valid beats.

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds.
    valid : array_like of bool, shape (n,), optional
        Which intervals count (default: not artefacts, see :func:`artefact_mask`).
    times_s : array_like of float, shape (n,), optional
        Time of the beat that closes each interval, in seconds on any clock (for
        example Unix time). Default: cumulative sum of ``rr_ms`` (a gap-free record).
    window_s : float, optional
        Window length in seconds (default 300, docs/clinical.md).
    origin_s : float, optional
        Start of the first window (default: the start of the first interval).

    Returns
    -------
    WindowCoverage
        ``start_s`` and ``coverage`` (0-1) of every window from the first to the last
        interval, including empty windows (coverage 0).

    Notes
    -----
    .. math:: \\mathrm{coverage}_w = \\min\\Big(1, \\frac{1}{T}\\sum_{i \\in w,\\,
       \\mathrm{valid}_i} RR_i\\Big)

    with :math:`T` the window length; an interval belongs to the window that holds its
    midpoint. No rate or rhythm alert is raised on a window with coverage
    below 0.8 (docs/clinical.md).

    Examples
    --------
    >>> cov = window_coverage([1000.0] * 240, window_s=300.0)
    >>> cov.coverage.round(2).tolist()
    [0.8]
    """
    rr = as_rr_ms(rr_ms)
    ok = ~artefact_mask(rr) if valid is None else np.asarray(valid, dtype=bool)
    if ok.shape != rr.shape:
        msg = f"valid should have one entry per RR interval ({rr.size}); it has {ok.size}"
        raise CardiacInputError(msg)
    if rr.size == 0:
        return WindowCoverage(start_s=np.empty(0), coverage=np.empty(0))
    k, origin = window_index(rr, times_s, window_s, origin_s)
    covered_s = np.bincount(k, weights=np.where(ok, rr, 0.0) / 1000.0)
    start_s = origin + window_s * np.arange(covered_s.size, dtype=np.float64)
    return WindowCoverage(start_s=start_s, coverage=np.minimum(covered_s / window_s, 1.0))
