"""detect_af's labels without the smoothed score, and mostly without the full search (private).

:func:`analytics.cardiac.af.detect_af` needs only whether the 91-beat running median of
the raw score exceeds the threshold:

* the median of a window exceeds it exactly when more than half of the window does
  (a moving count, :func:`~analytics.cardiac._filters.running_median_exceeds`);
* the nearest-pattern distance over fewer neighbours is an upper bound of the true one,
  and the raw score is monotone in it, so a 4-beat search bounds every score from
  above; windows in which at most half the beats could exceed the threshold even so
  are settled (non-AF), and the full 32-beat search runs only on the beats of the
  other windows.

The result is identical to thresholding :func:`analytics.cardiac.af.af_score`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from analytics.cardiac._af_stats import (
    combine,
    irregularity_of,
    local_rr_ms,
    nearest_pattern_ms,
    raw_score,
    score_valid,
)
from analytics.cardiac._filters import moving_count, running_median_exceeds
from analytics.cardiac._validate import BoolArray, FloatArray

if TYPE_CHECKING:
    from analytics.cardiac.af import AFDetectorParams

# detect_af's bounding pass searches patterns within 4 beats (engineering choice, measured
# with 4, 6, 8 and 12: after it the full search is left for 18 % of the 24-h nsr001
# record, for the AF stretches of the afdb records and for under 3 % of the synthetic
# days of bench/throughput.py; 4 was fastest or within noise of it on each).
_BOUND_BEATS = 4
# Below this many beats the bounding pass saves nothing worth its bookkeeping.
_BOUND_MIN_BEATS = 2000


def _exceeds(raw: FloatArray, rr_ms: FloatArray, params: AFDetectorParams, thr: float) -> BoolArray:
    if np.isnan(raw).any():  # the moving count needs a total order; never seen in practice
        return score_valid(rr_ms, params) > thr
    return running_median_exceeds(raw, min(params.smoothing_beats, rr_ms.size), thr)


def af_valid(rr_ms: FloatArray, params: AFDetectorParams, threshold: float) -> BoolArray:
    """``score_valid(rr_ms, params) > threshold`` without computing the smoothed score.

    The novelty search, the costly part, first looks only ``_BOUND_BEATS`` patterns
    either side: a nearest distance over fewer neighbours is an upper bound, so the
    score from it bounds the true score from above. Smoothing windows in which fewer
    than half the beats could exceed the threshold even so are certainly non-AF;
    the full search then runs only on the beats of the other windows (plus the margin
    their patterns reach), and those windows are counted with exact scores.
    """
    local = local_rr_ms(rr_ms)
    irr = irregularity_of(rr_ms, local, params)
    if not _bound_applies(rr_ms.size, params):
        return _exceeds(
            combine(irr, nearest_pattern_ms(rr_ms, params), local), rr_ms, params, threshold
        )
    upper = nearest_pattern_ms(rr_ms, replace(params, novelty_half_beats=_BOUND_BEATS))
    raw_upper = combine(irr, upper, local)
    if np.isnan(raw_upper).any():
        return _exceeds(raw_score(rr_ms, params), rr_ms, params, threshold)
    # 1e-9 below the threshold: far more than the rounding of cbrt (<= 1 ulp), so a
    # beat below it has a true score below the threshold whatever the rounding.
    half = params.smoothing_beats // 2
    ambiguous = moving_count(raw_upper > threshold * (1.0 - 1e-9), half) > half
    if not ambiguous.any():
        return ambiguous
    needed = moving_count(ambiguous, half, mirror=False) > 0  # every beat of those windows
    nearest = refine_nearest(rr_ms, upper, needed, params)
    return _exceeds(combine(irr, nearest, local), rr_ms, params, threshold)


def refine_nearest(
    rr_ms: FloatArray, upper: FloatArray, needed: BoolArray, params: AFDetectorParams
) -> FloatArray:
    """``upper`` with the exact nearest-pattern distance at the ``needed`` beats.

    The full search runs on the needed beats plus every beat their patterns compare
    with, regions placed side by side: a needed beat is farther than its search reach
    from a region's cut end, so it never compares with the next region.
    """
    reach = params.novelty_half_beats + params.pattern_beats
    region = moving_count(needed, reach, mirror=False) > 0
    if 2 * np.count_nonzero(region) > region.size:
        return nearest_pattern_ms(rr_ms, params)
    exact = nearest_pattern_ms(rr_ms[region], params)
    upper[needed] = exact[(np.cumsum(region) - 1)[needed]]
    return upper


def _bound_applies(n: int, params: AFDetectorParams) -> bool:
    """The bounding pass needs full smoothing windows and a wider search to bound."""
    return params.novelty_half_beats > _BOUND_BEATS and n >= max(
        params.smoothing_beats, _BOUND_MIN_BEATS
    )
