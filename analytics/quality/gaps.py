"""Gaps in a stream and stale streams (no data for longer than a limit)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.quality._validate import (
    BoolArray,
    FloatArray,
    as_1d_float,
    as_times_s,
    check_positive,
)
from analytics.quality.errors import QualityInputError


@dataclass(frozen=True, eq=False)
class Gaps:
    """Stretches without samples.

    Attributes
    ----------
    start_s, end_s : ndarray of float
        Last sample before and first sample after each gap (or the span bounds for a
        gap at the start or end), seconds (UTC epoch).
    """

    start_s: FloatArray
    end_s: FloatArray

    @property
    def duration_s(self) -> FloatArray:
        """Length of each gap in seconds."""
        return self.end_s - self.start_s


def find_gaps(
    times_s: npt.ArrayLike,
    max_gap_s: float,
    *,
    span_start_s: float | None = None,
    span_end_s: float | None = None,
) -> Gaps:
    """Stretches longer than ``max_gap_s`` with no sample.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times in seconds (UTC epoch), sorted.
    max_gap_s : float
        Longest silence that is not a gap, seconds (e.g. 900 s heart rate and 1800 s
        CGM, the ``stale_device`` limits of docs/clinical.md).
    span_start_s, span_end_s : float, optional
        Bounds of the analysed span: silence between them and the first / last sample
        counts too (for example ``span_end_s = now``).

    Returns
    -------
    Gaps
        In time order.

    Notes
    -----
    Between samples a gap is :math:`t_{i+1} - t_i > g`; with no sample at all, the
    whole span is one gap when it is longer than :math:`g`.

    Examples
    --------
    >>> g = find_gaps([0.0, 60.0, 2000.0], 900.0, span_end_s=4000.0)
    >>> g.start_s.tolist(), g.end_s.tolist()
    ([60.0, 2000.0], [2000.0, 4000.0])
    """
    t = as_times_s(times_s)
    check_positive(max_gap_s, "max_gap_s")
    lo = [] if span_start_s is None else [float(span_start_s)]
    hi = [] if span_end_s is None else [float(span_end_s)]
    knots = np.concatenate((lo, t, hi))
    if knots.size > 1 and (np.diff(knots) < 0).any():
        msg = "span_start_s and span_end_s should bracket the samples (start <= times <= end)"
        raise QualityInputError(msg)
    step = np.diff(knots)
    long = np.flatnonzero(step > max_gap_s)
    return Gaps(knots[long], knots[long + 1])


def silent_s(last_seen_s: npt.ArrayLike, now_s: float) -> FloatArray:
    """Seconds since each stream's last sample (``inf`` where it never sent one).

    Parameters
    ----------
    last_seen_s : array_like of float, shape (n,)
        Time of the last sample of each stream, seconds (UTC epoch); NaN for never.
    now_s : float
        Evaluation time, seconds (UTC epoch).

    Returns
    -------
    ndarray of float, shape (n,)
        :math:`now - t_{last}`, ``inf`` for NaN entries.

    Examples
    --------
    >>> silent_s([100.0, np.nan], 400.0).tolist()
    [300.0, inf]
    """
    last = as_1d_float(
        np.atleast_1d(np.asarray(last_seen_s, dtype=np.float64)), "last_seen_s", allow_nan=True
    )
    return np.where(np.isnan(last), np.inf, now_s - last)


def stale_mask(last_seen_s: npt.ArrayLike, now_s: float, limit_s: npt.ArrayLike) -> BoolArray:
    """Which streams have been silent for longer than their limit.

    Parameters
    ----------
    last_seen_s : array_like of float, shape (n,)
        Time of each stream's last sample, seconds (UTC epoch); NaN for never.
    now_s : float
        Evaluation time, seconds (UTC epoch).
    limit_s : float or array_like of float, shape (n,)
        Allowed silence: 900 s for heart rate and 1800 s for CGM (``stale_device``),
        600 s for a gateway heartbeat (``gateway_offline``), docs/clinical.md "Alerts".

    Returns
    -------
    ndarray of bool, shape (n,)
        :math:`now - t_{last} > limit` (strictly: exactly the limit is not stale).

    Examples
    --------
    >>> stale_mask([0.0, 0.0, np.nan], 900.0, [900.0, 899.0, 900.0]).tolist()
    [False, True, True]
    """
    limit = np.asarray(limit_s, dtype=np.float64)
    if not np.isfinite(limit).all() or (limit <= 0).any():
        msg = f"limit_s should be finite positive seconds; got {limit!r}"
        raise QualityInputError(msg)
    return np.asarray(silent_s(last_seen_s, now_s) > limit, dtype=np.bool_)
