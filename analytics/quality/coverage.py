"""Coverage: the share of each time window covered by valid beats or readings.

Windows are aligned to multiples of ``window_s`` from an origin (default the Unix epoch,
which for 5-minute windows is the same grid as the storage layer's
``date_bin('5 minutes', ts, '2000-01-03')``, docs/architecture.md "Storage") and clipped to the
analysed span, so the first and last windows may be partial: their coverage is relative
to the part of the window inside the span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.cardiac import artefact_mask
from analytics.clinical_constants import WINDOW_S
from analytics.quality._validate import (
    BoolArray,
    FloatArray,
    IntArray,
    as_1d_float,
    as_mask,
    as_times_s,
    check_positive,
)
from analytics.quality.errors import QualityInputError


@dataclass(frozen=True, eq=False)
class WindowGrid:
    """Consecutive windows aligned to ``origin_s + k * window_s``, clipped to a span.

    Attributes
    ----------
    start_s, end_s : ndarray of float
        Start and end of each window inside the span, seconds (UTC epoch).
    first_s : float
        Unclipped start of window 0 (a multiple of ``window_s`` from the origin).
    window_s : float
        Nominal window length in seconds.
    """

    start_s: FloatArray
    end_s: FloatArray
    first_s: float
    window_s: float

    @property
    def length_s(self) -> FloatArray:
        """Length of each (clipped) window in seconds."""
        return self.end_s - self.start_s

    def index(self, times_s: npt.ArrayLike) -> IntArray:
        """Window number of each time.

        -1 before the span, ``n`` (the number of windows) after it; the last window
        includes its end, so a sample exactly at the end of the span belongs to it.
        """
        t = np.asarray(times_s, dtype=np.float64)
        n = self.start_s.size
        if n == 0:
            return np.full(t.shape, -1, dtype=np.intp)
        x = np.subtract(t, self.first_s)  # floor((t - first) / window) in one buffer
        np.floor(np.divide(x, self.window_s, out=x), out=x)
        k = np.clip(x, 0, n - 1, out=x).astype(np.intp)
        k[t < self.start_s[0]] = -1
        k[t > self.end_s[-1]] = n
        return k


@dataclass(frozen=True, eq=False)
class Coverage:
    """Covered time per window.

    Attributes
    ----------
    grid : WindowGrid
        The windows.
    covered_s : ndarray of float
        Seconds of each window covered by the union of the valid intervals.
    fraction : ndarray of float
        ``covered_s / window length``, 0-1.
    """

    grid: WindowGrid
    covered_s: FloatArray
    fraction: FloatArray


def window_grid(
    span_start_s: float, span_end_s: float, window_s: float = WINDOW_S, origin_s: float = 0.0
) -> WindowGrid:
    """Windows of ``window_s`` aligned to ``origin_s`` covering ``[span_start_s, span_end_s)``.

    Parameters
    ----------
    span_start_s, span_end_s : float
        Analysed span, seconds (UTC epoch); empty grid when the end is not after the start.
    window_s : float, optional
        Window length in seconds (default 300, docs/clinical.md "Coverage").
    origin_s : float, optional
        Any window boundary (default 0, the Unix epoch).

    Returns
    -------
    WindowGrid

    Examples
    --------
    >>> g = window_grid(290.0, 900.0)
    >>> g.start_s.tolist(), g.end_s.tolist()
    ([290.0, 300.0, 600.0], [300.0, 600.0, 900.0])
    """
    check_positive(window_s, "window_s")
    for name, value in (("span_start_s", span_start_s), ("span_end_s", span_end_s)):
        if not np.isfinite(value):
            msg = f"{name} should be a finite time in seconds; got {value!r}"
            raise QualityInputError(msg)
    first = origin_s + np.floor((span_start_s - origin_s) / window_s) * window_s
    if span_end_s <= span_start_s:
        return WindowGrid(np.empty(0), np.empty(0), float(first), float(window_s))
    n = int(np.ceil((span_end_s - first) / window_s))
    bounds = first + window_s * np.arange(n + 1, dtype=np.float64)
    bounds[0], bounds[-1] = span_start_s, span_end_s
    return WindowGrid(bounds[:-1].copy(), bounds[1:].copy(), float(first), float(window_s))


def _disjoint(start_s: FloatArray, end_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Sorted disjoint pieces whose union is the union of the intervals."""
    if start_s.size > 1 and (start_s[1:] < start_s[:-1]).any():
        order = np.argsort(start_s, kind="stable")
        s, e = start_s[order], end_s[order]
    else:  # already sorted: the usual case for beats and samples
        s, e = start_s, end_s
    reach = np.empty_like(e)  # furthest end before each interval
    reach[:1] = -np.inf
    np.maximum.accumulate(e[:-1], out=reach[1:])
    s_cut = np.maximum(s, reach, out=reach)
    return s_cut, np.maximum(e, s_cut)


def _covered_before(start_s: FloatArray, end_s: FloatArray, at_s: FloatArray) -> FloatArray:
    """:func:`covered_before` of validated float64 arrays (private: no checks)."""
    if start_s.size == 0:
        return np.zeros(at_s.shape)
    s_cut, e_cut = _disjoint(start_s, end_s)
    length = np.subtract(e_cut, s_cut, out=e_cut)
    done = np.cumsum(length)  # covered time up to the end of each piece
    k = np.searchsorted(s_cut, at_s, side="right") - 1  # last piece starting at or before x
    kk = np.maximum(k, 0)
    inside = np.clip(at_s - s_cut[kk], 0.0, length[kk])
    return np.where(k >= 0, done[kk] - length[kk] + inside, 0.0)


def covered_before(
    start_s: npt.ArrayLike, end_s: npt.ArrayLike, at_s: npt.ArrayLike, *, check_input: bool = True
) -> FloatArray:
    """Time covered by the union of intervals before each of the instants ``at_s``.

    Parameters
    ----------
    start_s, end_s : array_like of float, shape (n,)
        Interval bounds in seconds, ``end_s >= start_s``; any order, may overlap.
    at_s : array_like of float, shape (m,)
        Instants at which to evaluate, seconds.
    check_input : bool, optional
        Validate the intervals (default). ``False`` skips the checks for callers whose
        arrays are float64 with ``end_s >= start_s`` already (as scipy's
        ``check_finite=False``); the result is undefined for other input.

    Returns
    -------
    ndarray of float, shape (m,)
        :math:`F(x) = |\\bigcup_i [s_i, e_i] \\cap (-\\infty, x]|` in seconds.

    Notes
    -----
    Overlaps are removed by cutting each interval (sorted by start) at the furthest end
    reached so far; with the pieces disjoint and sorted, :math:`F(x)` is the length of
    the pieces before the last one starting at or before :math:`x`, plus the part of
    that piece before :math:`x` (one ``searchsorted``). Exact, vectorised,
    :math:`O(n + m \\log n)` for sorted input. The covered time in :math:`[a, b)` is
    :math:`F(b) - F(a)`.

    Examples
    --------
    >>> covered_before([0.0, 5.0], [10.0, 12.0], [5.0, 11.0, 20.0]).tolist()
    [5.0, 11.0, 12.0]
    """
    x = np.asarray(at_s, dtype=np.float64)
    if not check_input:
        s, e = np.asarray(start_s, dtype=np.float64), np.asarray(end_s, dtype=np.float64)
        return _covered_before(s, e, x)
    s = as_1d_float(start_s, "start_s")
    e = as_1d_float(end_s, "end_s")
    if s.shape != e.shape or (e < s).any():
        msg = "start_s and end_s should have the same length with end_s >= start_s"
        raise QualityInputError(msg)
    return _covered_before(s, e, x)


def covered_seconds(start_s: npt.ArrayLike, end_s: npt.ArrayLike, grid: WindowGrid) -> FloatArray:
    """Seconds of each window covered by the union of intervals ``[start_s, end_s]``.

    Parameters
    ----------
    start_s, end_s : array_like of float, shape (n,)
        Interval bounds in seconds, ``end_s >= start_s``; any order, may overlap.
    grid : WindowGrid
        The windows.

    Returns
    -------
    ndarray of float, shape (len(grid.start_s),)
        :math:`F(b_w) - F(a_w)` for window :math:`[a_w, b_w)`, with :math:`F` of
        :func:`covered_before`.

    Examples
    --------
    >>> g = window_grid(0.0, 20.0, window_s=10.0)
    >>> covered_seconds([2.0, 4.0, 8.0], [6.0, 5.0, 13.0], g).tolist()
    [6.0, 3.0]
    """
    if grid.start_s.size == 0:
        covered_before(start_s, end_s, np.empty(0))  # validates
        return np.empty(0)
    edges = np.r_[grid.start_s, grid.end_s[-1]]
    return np.diff(covered_before(start_s, end_s, edges))


def _fraction(covered_s: FloatArray, grid: WindowGrid) -> FloatArray:
    length = grid.length_s
    safe = np.where(length > 0, length, 1.0)
    return np.where(length > 0, np.minimum(covered_s / safe, 1.0), 0.0)


def beat_coverage(
    beat_times_s: npt.ArrayLike,
    rr_ms: npt.ArrayLike,
    grid: WindowGrid,
    valid: npt.ArrayLike | None = None,
    *,
    check_input: bool = True,
) -> Coverage:
    """Share of each window covered by valid RR intervals.

    Parameters
    ----------
    beat_times_s : array_like of float, shape (n,)
        Time of the beat closing each interval, seconds (UTC epoch), sorted.
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds.
    grid : WindowGrid
        The windows (:func:`window_grid`).
    valid : array_like of bool, shape (n,), optional
        Which intervals count (default: not artefacts, RR within 200-3000 ms,
        :func:`analytics.cardiac.artefact_mask`).
    check_input : bool, optional
        Validate the arrays (default). ``False`` skips the checks for callers holding
        sorted float64 times, positive float64 intervals and a boolean ``valid`` of the
        same length; the result is undefined for other input.

    Returns
    -------
    Coverage

    Notes
    -----
    Interval :math:`i` spans :math:`[t_i - RR_i/1000,\\ t_i]`;

    .. math:: \\mathrm{coverage}_w = \\frac{|\\bigcup_{i\\,\\mathrm{valid}} [t_i - RR_i, t_i]
       \\cap w|}{|w|}

    docs/clinical.md "Coverage": a window below 0.8 raises no rate or rhythm alert.

    Examples
    --------
    >>> t = np.arange(1.0, 241.0)  # 240 one-second beats
    >>> beat_coverage(t, np.full(240, 1000.0), window_grid(0.0, 300.0)).fraction.tolist()
    [0.8]
    """
    if not check_input:
        t, rr = np.asarray(beat_times_s, dtype=np.float64), np.asarray(rr_ms, dtype=np.float64)
        ok = ~artefact_mask(rr) if valid is None else np.asarray(valid, dtype=bool)
        return _beat_coverage(t, rr, grid, ok)
    t = as_times_s(beat_times_s, "beat_times_s")
    rr = as_1d_float(rr_ms, "rr_ms")
    if rr.size != t.size or (rr <= 0).any():
        msg = f"rr_ms should hold {t.size} positive intervals in ms, one per beat time"
        raise QualityInputError(msg)
    ok = ~artefact_mask(rr) if valid is None else as_mask(valid, "valid", rr.size)
    return _beat_coverage(t, rr, grid, ok)


def _beat_coverage(t: FloatArray, rr_ms: FloatArray, grid: WindowGrid, ok: BoolArray) -> Coverage:
    """:func:`beat_coverage` of validated arrays with the mask of counted intervals."""
    end = t[ok]
    start = np.divide(rr_ms[ok], 1000.0)
    np.subtract(end, start, out=start)
    if grid.start_s.size == 0:
        covered = np.empty(0)
    else:
        covered = np.diff(_covered_before(start, end, np.r_[grid.start_s, grid.end_s[-1]]))
    return Coverage(grid, covered, _fraction(covered, grid))


def sample_coverage(times_s: npt.ArrayLike, grid: WindowGrid, hold_s: float) -> Coverage:
    """Share of each window covered by samples, each standing for at most ``hold_s``.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times in seconds (UTC epoch), sorted.
    grid : WindowGrid
        The windows (:func:`window_grid`).
    hold_s : float
        Longest time one sample stands for: 300 s for 5-minute CGM (each reading
        represents its sampling period, as CGM active time does, Battelino 2019), about
        10 s for 1 Hz heart-rate notifications (analytics.cardiac.RateThresholds).

    Returns
    -------
    Coverage

    Notes
    -----
    Sample :math:`i` covers :math:`[t_i,\\ t_i + \\min(t_{i+1} - t_i,\\ h)]`, the last
    sample :math:`[t_n, t_n + h]`, with :math:`h` = ``hold_s``.

    Examples
    --------
    >>> g = window_grid(0.0, 3600.0, window_s=3600.0)
    >>> sample_coverage(np.arange(0.0, 1800.0, 300.0), g, hold_s=300.0).fraction.tolist()
    [0.5]
    """
    t = as_times_s(times_s)
    check_positive(hold_s, "hold_s")
    step = np.minimum(np.diff(t, append=np.inf), hold_s)
    covered = covered_seconds(t, t + step, grid)
    return Coverage(grid, covered, _fraction(covered, grid))
