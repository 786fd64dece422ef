"""The AF detector's statistics: irregularity, nearest-pattern distance, raw score (private).

Kernels of :mod:`analytics.cardiac.af` (see there for the definitions and references),
on RR intervals already validated and stripped of artefacts. Written to reuse buffers:
a fresh 100k-element array costs more in page faults than the arithmetic on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import median_filter

from analytics.cardiac._filters import running_mean, running_median
from analytics.cardiac._validate import FloatArray

if TYPE_CHECKING:
    from analytics.cardiac.af import AFDetectorParams

# Heart-rate normalisation uses a 9-beat running median of RR (engineering choice: the
# local heart period, robust to one or two ectopic beats).
_LOCAL_RR_BEATS = 9


def local_rr_ms(rr_ms: FloatArray) -> FloatArray:
    """The local heart period: 9-beat running median of RR, mirror edges."""
    return running_median(rr_ms, _LOCAL_RR_BEATS)


def irregularity_of(
    rr_ms: FloatArray, local_ms: FloatArray, params: AFDetectorParams
) -> FloatArray:
    """:func:`~analytics.cardiac.af.irregularity` given the local heart period ``local_ms``."""
    smooth = running_median(rr_ms, params.ectopic_median_beats)
    lag = np.empty_like(smooth)  # |x_i - x_{i-1}|, then |x_i - x_{i-2}|; 0 at the start
    lag[:1] = 0.0
    np.subtract(smooth[1:], smooth[:-1], out=lag[1:])
    w = params.irregularity_beats
    mean1 = running_mean(np.abs(lag, out=lag), w)
    lag[:2] = 0.0
    np.subtract(smooth[2:], smooth[:-2], out=lag[2:])
    mean2 = smooth  # smooth is no longer needed: its buffer takes the second mean
    running_mean(np.abs(lag, out=lag), w, out=mean2)
    np.minimum(mean1, mean2, out=mean1)
    return np.divide(mean1, local_ms, out=mean1)


# Templates compared per block in nearest_pattern_ms: the block's lag and distance
# buffers (128 KiB each) and the slices of RR and of the result it touches stay in L2
# for all 32 lags instead of streaming the whole series through memory once per lag
# and operation (1M beats: 132 -> 52 ms; 32768 was 49 ms, 65536 65 ms, unblocked 115
# ms; 16384 leaves room for a smaller L2).
_PATTERN_BLOCK = 16384


def nearest_pattern_ms(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    """Chebyshev distance of each RR pattern to its nearest neighbour nearby, in ms.

    Min and max are exact, so the order of the updates does not change the result:
    templates are taken by blocks and, within a block, lag by lag.
    """
    m, n = params.pattern_beats, rr_ms.size
    n_templates = n - m + 1
    out = np.full(max(n, n_templates, 1), np.inf)
    nearest = out[: max(n_templates, 1)]
    lags = min(params.novelty_half_beats, n_templates - 1)
    block = min(_PATTERN_BLOCK, max(n_templates, 1))
    lagged, dist = np.empty(block + m - 1), np.empty(block)
    for a in range(0, n_templates, block):
        b = min(a + block, n_templates)
        for k in range(1, min(lags, n_templates - 1 - a) + 1):
            # d_i = max over the m intervals of |RR_{i+j+k} - RR_{i+j}|, i in [a, stop)
            stop = min(b, n_templates - k)
            size = stop - a
            lag = lagged[: size + m - 1]
            np.abs(
                np.subtract(rr_ms[a + k : stop + k + m - 1], rr_ms[a : stop + m - 1], out=lag),
                out=lag,
            )
            d = dist[:size]
            if m == 1:
                np.copyto(d, lag)
            else:  # the first maximum writes d directly (no copy of lag: 65 -> 58 ms)
                np.maximum(lag[:size], lag[1 : size + 1], out=d)
            for j in range(2, m):
                np.maximum(d, lag[j : j + size], out=d)
            np.minimum(nearest[a:stop], d, out=nearest[a:stop])
            np.minimum(nearest[a + k : stop + k], d, out=nearest[a + k : stop + k])
    out[nearest.size :] = nearest[-1]  # the last beats start no complete pattern
    return out[:n]


def combine(irr: FloatArray, nearest_ms: FloatArray, local_ms: FloatArray) -> FloatArray:
    """Unsmoothed score: the geometric mean of I, N, N, with N = nearest / local RR.

    Novelty weighs twice (it alone separates ectopy from AF). Monotone non-decreasing
    in ``nearest_ms`` element by element (every step is, in IEEE arithmetic).
    """
    raw = np.divide(nearest_ms, local_ms)
    np.multiply(irr, np.square(raw, out=raw), out=raw)
    return np.cbrt(np.maximum(raw, 0.0, out=raw), out=raw)


def raw_score(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    """Unsmoothed score of every beat; the local heart period is computed once."""
    local = local_rr_ms(rr_ms)
    irr = irregularity_of(rr_ms, local, params)
    return combine(irr, nearest_pattern_ms(rr_ms, params), local)


def score_valid(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    raw = raw_score(rr_ms, params)
    size = min(params.smoothing_beats, rr_ms.size)
    return np.asarray(median_filter(raw, size=size, mode="mirror"), dtype=np.float64)
