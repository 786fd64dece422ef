"""analytics.cardiac._filters: exact running medians and the running-median threshold test.

The reference is ``scipy.ndimage.median_filter(..., mode="mirror")``, which the AF
detector used before; results must be identical, not merely close.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter

from analytics.cardiac._filters import running_median, running_median_exceeds


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
