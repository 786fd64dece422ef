"""MAGE by the moving-average crossing method (iglu ``mage(version = "ma")``).

Service et al. defined MAGE as the mean height of the glucose excursions larger than
one standard deviation. Fernandes et al. (2022) automated the choice of peaks and
nadirs: the crossings of a short (5-point) and a long (32-point) moving average bound
the intervals in which one turning point is sought; excursions are then matched
peak-to-nadir and nadir-to-peak. This module follows iglu 4.3.0's defaults
(``short_ma = 5``, ``long_ma = 32``, ``direction = "avg"``, ``max_gap = 180``) on the
5-minute grid, so its values match iglu's.

Gaps and segment ends, as read from iglu 4.3.0's source (``R/mage.R``,
``R/mage_ma_single.R``):

* the trace is first put on the 5-minute day-by-day grid (``CGMS2DayByDay`` with
  ``dt0 = 5``, ``inter_gap = 45``): gaps of at most 45 min are interpolated, longer ones
  stay missing; leading and trailing missing points are dropped;
* a run of missing grid points longer than ``max_gap`` (run length x 5 min > 180 min,
  i.e. 37 points or more) splits the trace into segments; the run itself becomes an
  all-missing segment, which yields no value. A run of exactly 36 points (180 min) does
  not split;
* each segment is judged alone: fewer than 7 points or fewer than ``long_ma`` = 32 grid
  points (missing points included) give no value; its SD is the sample SD of its own
  values; the moving averages average the values present in their window (a window with
  none is missing), and a crossing is recognised only between two consecutive points
  whose glucose and moving-average difference are all present, or, across missing
  points, when the difference changed sign since the last crossing;
* a difference of exactly 0 is no crossing. This matters after a gap of 27 or more
  missing points inside a segment: for the first readings after it, the 5-point and the
  32-point windows hold the same readings, and R's ``mean`` gives both the same value
  bit for bit, so the difference is exactly 0 there. The moving means are therefore
  computed as R computes ``mean`` (ordered extended-precision sum with its residual
  correction); a pairwise sum left a difference of +-1e-14 that invented crossings,
  and turning points, after such gaps (MAGE off by up to 5 % on gappy variants of the
  Hall records, none on the records themselves);
* the first and the last point of a segment always bound a turning-point interval, so
  an excursion still under way at a segment's end counts, measured to the last turning
  point (the "k == N" branch), as long as it exceeds the segment's SD;
* direction "avg": each segment contributes MAGE+ and MAGE- separately (a direction
  without an excursion contributes nothing), weighted by the segment's duration from
  its first to its last grid point.

The gappy cases of ``tests/analytics/glycemic/test_mage_gaps.py`` were derived by hand
from these rules.
"""

from __future__ import annotations

import numpy as np

from analytics.glycemic._inputs import FloatArray
from analytics.glycemic.grid import DayGrid

# iglu mage() defaults (Fernandes et al. 2022): moving-average windows in 5-min points.
SHORT_MA_POINTS = 5
LONG_MA_POINTS = 32
# iglu mage(): the trace is split at gaps longer than max_gap = 180 min.
MAX_GAP_MIN = 180
# iglu mage_ma_single(): fewer than 7 points in a segment give no MAGE.
MIN_POINTS = 7
_REL_MIN, _REL_MAX = 0, 1


def mage_ma(grid: DayGrid) -> float:
    """MAGE (mg/dL) of a 5-minute :class:`DayGrid`, iglu's "ma" method, direction "avg".

    Parameters
    ----------
    grid : DayGrid
        Day-by-day grid built with ``dt0_min=5``.

    Returns
    -------
    float
        Segment-length-weighted mean of MAGE+ and MAGE- over segments split at gaps
        longer than 180 min; NaN when no excursion larger than one SD exists.

    References
    ----------
    Service FJ, et al. Mean amplitude of glycemic excursions, a measure of diabetic
    instability. Diabetes 1970;19:644-655.
    Fernandes NJ, et al. Open-source algorithm to calculate mean amplitude of glycemic
    excursions using short and long moving averages. J Diabetes Sci Technol
    2022;16(2):576-577.
    """
    trace = _trim_nan(grid.flat)
    if trace.size < max(MIN_POINTS, LONG_MA_POINTS):
        return float("nan")
    weighted, weights = 0.0, 0.0
    for segment in _segments(trace, MAX_GAP_MIN // grid.dt0_min):
        span = float(segment.size - 1)
        for value in _mage_segment(segment):
            if np.isfinite(value):
                weighted += value * span
                weights += span
    return weighted / weights if weights > 0 else float("nan")


def _trim_nan(values: FloatArray) -> FloatArray:
    finite = np.flatnonzero(np.isfinite(values))
    if finite.size == 0:
        return values[:0]
    return values[finite[0] : finite[-1] + 1]


def _segments(trace: FloatArray, max_gap_points: int) -> list[FloatArray]:
    """Split at NaN runs longer than ``max_gap_points``; the runs themselves are dropped."""
    is_nan = np.isnan(trace)
    edges = np.flatnonzero(np.diff(np.r_[False, is_nan, False].astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    long_runs = [(s, e) for s, e in zip(starts, ends, strict=True) if e - s > max_gap_points]
    pieces, cursor = [], 0
    for s, e in long_runs:
        if s > cursor:
            pieces.append(trace[cursor:s])
        cursor = e
    if cursor < trace.size:
        pieces.append(trace[cursor:])
    return pieces


def _mage_segment(gl: FloatArray) -> tuple[float, float]:
    """(MAGE+, MAGE-) of one segment; NaN where no excursion of that direction exists."""
    if gl.size < max(MIN_POINTS, LONG_MA_POINTS) or np.isnan(gl).all():
        return float("nan"), float("nan")
    delta = _moving_mean(gl, SHORT_MA_POINTS) - _moving_mean(gl, LONG_MA_POINTS)
    extrema = _turning_points(gl, _crossings(gl, delta))
    sd = float(np.std(gl[np.isfinite(gl)], ddof=1))
    if not sd > 0:
        return float("nan"), float("nan")
    plus = _excursions(extrema, sd, rising=True)
    minus = _excursions(extrema, sd, rising=False)
    mage_plus = float(np.mean(plus)) if plus else float("nan")
    mage_minus = abs(float(np.mean(minus))) if minus else float("nan")
    return mage_plus, mage_minus


def _moving_mean(gl: FloatArray, width: int) -> FloatArray:
    """Right-aligned moving mean ignoring NaN; the first ``width`` points copy point width-1.

    Each window's mean is computed as R's ``mean(x, na.rm = TRUE)`` computes it: the
    present values summed in order in extended precision, divided by their number,
    then corrected by the mean residual (R's summary.c). Two windows holding the same
    present values therefore get bit-identical means, as in iglu: after a gap the short
    and the long window often hold only the same few readings, their difference is
    exactly 0 and no crossing is found there. A pairwise or differently ordered sum
    leaves a difference of about 1e-14 of either sign instead, which invents crossings
    (up to 5 % on MAGE of gappy records).
    """
    n_out = gl.size - width + 1
    finite = np.isfinite(gl)
    values = np.where(finite, gl, 0.0).astype(np.longdouble)
    total = np.zeros(n_out, dtype=np.longdouble)
    count = np.zeros(n_out)
    for k in range(width):  # in order, like R; adding 0 for a missing point is exact
        total += values[k : k + n_out]
        count += finite[k : k + n_out]
    present = count > 0
    mean = total / np.maximum(count, 1)
    residual = np.zeros(n_out, dtype=np.longdouble)
    for k in range(width):
        residual += np.where(finite[k : k + n_out], values[k : k + n_out] - mean, 0.0)
    mean += residual / np.maximum(count, 1)
    out = np.full(gl.size, np.nan)
    out[width - 1 :] = np.where(present, mean.astype(np.float64), np.nan)
    out[: width - 1] = out[width - 1]
    return out


def _crossings(gl: FloatArray, delta: FloatArray) -> list[tuple[int, int]]:
    """(index, type) of the points where the short MA crosses the long MA."""
    crosses = [(0, _REL_MAX if delta[0] > 0 else _REL_MIN)]
    ok = np.isfinite(gl) & np.isfinite(delta)
    for i in range(1, gl.size):
        if not (ok[i] and ok[i - 1]):
            continue
        if delta[i] * delta[i - 1] < 0:
            crosses.append((i, _REL_MIN if delta[i] < delta[i - 1] else _REL_MAX))
            continue
        last = delta[crosses[-1][0]]
        if delta[i] * last < 0:  # sign changed while the trace was interrupted by a gap
            crosses.append((i, _REL_MIN if delta[i] < last else _REL_MAX))
    crosses.append((gl.size - 1, _REL_MAX if delta[-1] > 0 else _REL_MIN))
    return crosses


def _turning_points(gl: FloatArray, crosses: list[tuple[int, int]]) -> FloatArray:
    """Glucose at the peak or nadir between consecutive crossings."""
    n_extrema = len(crosses) - 1
    values = np.empty(n_extrema)
    left = crosses[0][0]
    for i in range(n_extrema):
        window = gl[left : crosses[i + 1][0] + 1]
        pick = np.nanargmin if crosses[i][1] == _REL_MIN else np.nanargmax
        offset = int(pick(window))
        values[i] = window[offset]
        left += offset
    return values


def _excursions(minmax: FloatArray, sd: float, *, rising: bool) -> list[float]:
    """Heights of nadir-to-peak (``rising``) or peak-to-nadir excursions larger than ``sd``.

    Each candidate start is the most extreme turning point since the previous excursion;
    the excursion extends while the trace keeps moving the same way and closes at the
    first turn back by more than ``sd`` (or at the last turning point).
    """
    sign = 1.0 if rising else -1.0
    m = sign * minmax  # a falling excursion is a rising one of the negated trace
    n = m.size
    heights: list[float] = []
    j = prev_j = 0
    while j < n:
        rise = m[j] - m[prev_j : j + 1]
        start = int(np.argmax(rise)) + prev_j
        if rise[start - prev_j] < sd:
            j += 1
            continue
        for k in range(j, n):
            if m[k] > m[j]:
                j = k
            if m[k] - m[j] < -sd or k == n - 1:
                heights.append(sign * (m[j] - m[start]))
                prev_j = k if rising else j
                j = k
                break
    return heights
