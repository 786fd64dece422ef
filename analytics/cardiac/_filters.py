"""Exact running medians for short windows, a threshold test of a long one, running means (private).

The AF detector (analytics.cardiac.af) needs centred running medians with scipy's
``mode="mirror"`` edges (``d c b | a b c d | c b a``). ``scipy.ndimage.median_filter``
gives them in a few milliseconds per 100k beats; here:

* 5- and 9-beat medians come from comparator networks applied to shifted views,
  block by block (``np.minimum``/``np.maximum`` pick one of their inputs, so the
  result is exactly scipy's order statistic, bit for bit): 0.3 and 0.7 ms instead of
  1.7 and 2.1 ms per 100k beats;
* "is the running median above ``threshold``" needs no median at all: the middle
  element of a window of odd size ``w`` exceeds the threshold exactly when at least
  ``w // 2 + 1`` elements of the window do, a moving count of a boolean (0.1 ms
  instead of 3.6 ms for 91 beats);
* running means are scipy's ``uniform_filter1d`` running sum written with ``np.cumsum``,
  which adds in the same order (bit for bit the same, 0.4 instead of 0.75 ms).

Inputs must be free of NaN (the AF detector only feeds it plausible RR intervals and
finite scores); every function falls back on scipy's filter where the shortcut does
not apply.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.ndimage import median_filter, uniform_filter1d

from analytics.cardiac._validate import BoolArray, FloatArray, IntArray


def _mirror_pad(x: FloatArray, half: int) -> FloatArray:
    """``x`` extended by ``half`` elements each side as scipy's ``mode="mirror"`` does."""
    return np.concatenate((x[half:0:-1], x, x[-2 : -2 - half : -1]))


def _sort_pair(lo: FloatArray, hi: FloatArray, tmp: FloatArray) -> None:
    """Compare-exchange in place: afterwards ``lo <= hi`` element-wise."""
    np.minimum(lo, hi, out=tmp)
    np.maximum(lo, hi, out=hi)
    lo[...] = tmp


def _sorted_triples(e: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Smallest, middle and largest of ``(e[j], e[j + 1], e[j + 2])`` for every ``j``."""
    a, b, c = e[:-2].copy(), e[1:-1].copy(), e[2:].copy()
    tmp = np.empty_like(a)
    _sort_pair(b, c, tmp)
    _sort_pair(a, b, tmp)
    _sort_pair(b, c, tmp)
    return a, b, c


# Block length of the comparator networks: their temporaries of 8192 float64 (64 KiB)
# stay in cache and below glibc's mmap threshold (128 KiB), so they are recycled instead
# of being page-faulted in afresh for every 100k-beat array (measured for the median of
# 9 with glibc's default settings: 2.7 ms per 100k beats unblocked, 1.0 ms blocked).
_BLOCK = 8192


def _padded_block(x: FloatArray, a: int, b: int, half: int) -> FloatArray:
    """``_mirror_pad(x, half)[a : b + 2 * half]``, copying only blocks at the ends."""
    n = x.size
    lo, hi = a - half, b + half
    if lo >= 0 and hi <= n:
        return x[lo:hi]
    parts = [x[max(lo, 0) : min(hi, n)]]
    if lo < 0:  # x[-1], ..., x[lo] mirror to x[1], ..., x[-lo]
        parts.insert(0, x[1 : 1 - lo][::-1])
    if hi > n:  # x[n], ..., x[hi - 1] mirror to x[n - 2], ..., x[2n - 1 - hi]
        parts.append(x[2 * n - 1 - hi : n - 1][::-1])
    return np.concatenate(parts)


def _blockwise(kernel: Callable[[FloatArray], FloatArray], x: FloatArray, half: int) -> FloatArray:
    """Apply a ``2 * half + 1``-element window ``kernel`` to mirror-padded ``x`` by blocks."""
    out = np.empty(x.size)
    for a in range(0, x.size, _BLOCK):
        b = min(a + _BLOCK, x.size)
        out[a:b] = kernel(_padded_block(x, a, b, half))
    return out


def _median9_of(e: FloatArray) -> FloatArray:
    """Median of each 9 consecutive elements of ``e`` (``e.size - 8`` results).

    Paeth's 19-exchange median-of-9 network (Paeth AW, "Median finding on a 3x3 grid",
    Graphics Gems, 1990; the ``opt_med9`` of Devillard N, "Fast median search: an ANSI C
    implementation", 1998) first sorts the triples (0, 1, 2), (3, 4, 5), (6, 7, 8). In a
    sliding window those triples are shared, so they are sorted once for every position
    and the remaining ten exchanges keep only the outputs the median depends on.
    """
    n = e.size - 8
    lo, mid, hi = _sorted_triples(e)
    # Window i holds the triples starting at i, i + 3, i + 6 (p0..p2, p3..p5, p6..p8).
    p1, p2 = mid[:n], hi[:n]
    p3, p4, p5 = lo[3 : n + 3], mid[3 : n + 3], hi[3 : n + 3]
    p6, p7, p8 = lo[6 : n + 6], mid[6 : n + 6], hi[6 : n + 6]
    q3 = np.maximum(lo[:n], p3)  # sort(p0, p3): only the larger is used again
    q5 = np.minimum(p5, p8)  # sort(p5, p8): only the smaller
    q4, q7 = np.minimum(p4, p7), np.maximum(p4, p7)  # sort(p4, p7)
    q6 = np.maximum(q3, p6)  # sort(p3, p6): only the larger
    np.maximum(p1, q4, out=q4)  # sort(p1, p4): only the larger
    q2 = np.minimum(p2, q5)  # sort(p2, p5): only the smaller
    np.minimum(q4, q7, out=q4)  # sort(p4, p7): only the smaller
    top = np.maximum(q4, q2)  # sort(p4, p2): both are used
    np.minimum(q4, q2, out=q4)
    np.maximum(q6, q4, out=q4)  # sort(p6, p4): only the larger
    return np.minimum(q4, top, out=q4)  # sort(p4, p2): the median is the smaller


def _median5_of(e: FloatArray) -> FloatArray:
    """Median of each 5 consecutive elements of ``e`` (``e.size - 4`` results).

    With ``a..d`` the first four, ``f = max(min(a, b), min(c, d))`` and
    ``g = min(max(a, b), max(c, d))`` bracket the median of five, which is then
    ``median(e_4, f, g)`` (a 6-comparison selection network; Knuth TAOCP vol. 3,
    5.3.3, minimum-comparison selection).
    """
    n = e.size - 4
    a, b, c, d, last = (e[j : j + n] for j in range(5))
    f, g = np.minimum(a, b), np.maximum(a, b)
    h, k = np.minimum(c, d), np.maximum(c, d)
    np.maximum(f, h, out=f)
    np.minimum(g, k, out=g)
    # median(last, f, g) = max(min(f, g), min(max(f, g), last))
    np.minimum(f, g, out=h)
    np.maximum(f, g, out=k)
    np.minimum(k, last, out=k)
    return np.maximum(h, k, out=h)


def running_median(x: FloatArray, size: int) -> FloatArray:
    """``scipy.ndimage.median_filter(x, size, mode="mirror")`` for 1-D ``x`` without NaN."""
    if size == 5 and x.size >= 3:  # mirror padding needs x.size > size // 2
        return _blockwise(_median5_of, x, 2)
    if size == 9 and x.size >= 5:
        return _blockwise(_median9_of, x, 4)
    return np.asarray(median_filter(x, size=size, mode="mirror"), dtype=np.float64)


def running_mean(x: FloatArray, size: int, out: FloatArray | None = None) -> FloatArray:
    """``scipy.ndimage.uniform_filter1d(x, size, mode="mirror")`` bit for bit, 1-D ``x``.

    scipy keeps a running sum (the first window's, added up in order, then each step
    adds the entering element minus the leaving one) and divides it by ``size`` at
    every output; ``np.cumsum`` adds in the same order, so the result is identical.
    Here the differences are taken from ``x`` directly and only the edges are mirrored,
    without the padded copy of ``x`` that scipy's line buffer makes: 1M beats, 91-beat
    window, 7.5 -> 3.6 ms. ``out``, if given, must not overlap ``x``. Windows longer
    than ``x`` (mirrored more than once) are left to scipy.
    """
    n = x.size
    if size > n:
        return np.asarray(uniform_filter1d(x, size, output=out, mode="mirror"), dtype=np.float64)
    before = size // 2  # window: ``before`` elements back, ``after`` ahead
    after = size - 1 - before
    res = np.empty(n) if out is None else out
    first = np.concatenate((x[before:0:-1], x[: after + 1]))  # p[0 : size]
    total = np.cumsum(first)[-1]
    # step i >= 1: p[i - 1 + size] - p[i - 1], with p[j] = x[j - before] in the middle,
    # x[before - j] to the left and x[2 (n - 1) - (j - before)] to the right.
    # Three stretches, each one subtraction straight into ``res`` (no copy of x first).
    step = res[1:]
    inner = n - 1 - after  # steps before it take their entering element inside x
    np.subtract(x[after + 1 : size], x[before:0:-1], out=step[:before])
    np.subtract(x[size:], x[: n - size], out=step[before:inner])
    if after:
        np.subtract(
            x[n - 2 : n - 2 - after : -1], x[inner - before : n - 1 - before], out=step[inner:]
        )
    res[0] = total
    np.cumsum(res, out=res)
    return np.divide(res, size, out=res)


def moving_count(mask: BoolArray, half: int, *, mirror: bool = True) -> IntArray:
    """Number of True in each centred window of ``2 * half + 1`` elements.

    Edges are mirrored as in :func:`running_median_exceeds` (``mirror=True``, needs
    ``mask.size > half``) or count nothing beyond the ends (``mirror=False``).
    """
    if mirror:
        padded = np.concatenate((mask[half:0:-1], mask, mask[-2 : -2 - half : -1]))
    else:
        padded = np.concatenate((np.zeros(half, dtype=bool), mask, np.zeros(half, dtype=bool)))
    count = np.zeros(padded.size + 1, dtype=np.int32)
    np.cumsum(padded, dtype=np.int32, out=count[1:])
    size = 2 * half + 1
    return np.subtract(count[size:], count[:-size], out=count[: count.size - size])


def running_median_exceeds(x: FloatArray, size: int, threshold: float) -> BoolArray:
    """``median_filter(x, size, mode="mirror") > threshold`` for 1-D ``x`` without NaN.

    For odd ``size`` not longer than ``x`` the median is not computed: the window's
    middle element exceeds the threshold exactly when ``size // 2 + 1`` or more of its
    elements do, which a cumulative count of ``x > threshold`` gives for every window.
    """
    if size % 2 == 0 or size > x.size:
        return np.asarray(median_filter(x, size=size, mode="mirror") > threshold)
    return moving_count(x > threshold, size // 2) > size // 2
