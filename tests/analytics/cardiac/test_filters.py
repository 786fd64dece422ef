"""analytics.cardiac._filters: exact running medians and the running-median threshold test.

The reference is ``scipy.ndimage.median_filter(..., mode="mirror")``, which the AF
detector used before; results must be identical, not merely close.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter, uniform_filter1d

from analytics.cardiac._filters import running_mean, running_median, running_median_exceeds


def _series(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "continuous":
        return rng.uniform(300.0, 1200.0, n)
    if kind == "ties":  # few distinct values: many equal elements in every window
        return rng.integers(1, 5, n).astype(np.float64)
    return rng.exponential(0.03, n)  # scores: skewed, near a threshold


KINDS = ("continuous", "ties", "scores")


@pytest.mark.parametrize("size", [5, 9])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 9, 10, 57, 1000])
def test_running_median_equals_scipy_mirror_median(size: int, kind: str, n: int) -> None:
    x = _series(kind, n, seed=n)
    np.testing.assert_array_equal(
        running_median(x, size), median_filter(x, size=size, mode="mirror")
    )


@pytest.mark.parametrize("size", [5, 9])
@pytest.mark.parametrize("n", [8191, 8192, 8193, 8194, 8196, 8197, 16387, 20_000])
def test_running_median_is_exact_across_block_boundaries(size: int, n: int) -> None:
    x = _series("continuous", n, seed=n)  # blocks of 8192, the last one possibly tiny
    np.testing.assert_array_equal(
        running_median(x, size), median_filter(x, size=size, mode="mirror")
    )


def test_running_median_of_other_sizes_falls_back_on_scipy() -> None:
    x = _series("continuous", 300, seed=4)
    np.testing.assert_array_equal(running_median(x, 7), median_filter(x, size=7, mode="mirror"))


@pytest.mark.parametrize("size", [1, 3, 91])
@pytest.mark.parametrize("kind", KINDS)
def test_exceeds_equals_thresholded_scipy_median(size: int, kind: str) -> None:
    x = _series(kind, 2000, seed=size)
    for threshold in (float(np.median(x)), float(x[17]), float(np.quantile(x, 0.8))):
        expected = median_filter(x, size=size, mode="mirror") > threshold
        np.testing.assert_array_equal(running_median_exceeds(x, size, threshold), expected)


@pytest.mark.parametrize(("size", "n"), [(4, 50), (91, 60), (91, 91)])
def test_exceeds_handles_even_and_whole_record_windows(size: int, n: int) -> None:
    x = _series("scores", n, seed=n)
    threshold = float(np.median(x))
    expected = median_filter(x, size=size, mode="mirror") > threshold
    np.testing.assert_array_equal(running_median_exceeds(x, size, threshold), expected)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 7, 8, 9, 10, 45, 46, 90, 91, 92, 93, 300, 20_000])
def test_running_mean_equals_scipy_uniform_filter_bit_for_bit(kind: str, n: int) -> None:
    x = _series(kind, n, seed=n)
    for size in (1, 2, 3, 5, 8, 9, 90, 91, 301):  # longer than x too: scipy's own result
        expected = uniform_filter1d(x, size=size, mode="mirror")
        np.testing.assert_array_equal(running_mean(x, size), expected)
        out = np.full(n, np.nan)
        assert running_mean(x, size, out=out) is out
        np.testing.assert_array_equal(out, expected)


def test_running_mean_of_indicators_and_runs_is_scipy_s() -> None:
    rng = np.random.default_rng(3)
    for x in (
        (rng.uniform(size=5000) < 0.1).astype(np.float64),  # 0/1 shares (exact sums)
        np.repeat(rng.uniform(500.0, 900.0, 500), 10),  # runs: the window sum cancels
        rng.uniform(400.0, 1000.0, 5000) ** 2,  # squares: large sums, rounding
    ):
        for size in (8, 91):
            np.testing.assert_array_equal(
                running_mean(x, size), uniform_filter1d(x, size=size, mode="mirror")
            )
