"""The AF detector's fast paths against straightforward references.

``features``, ``log_odds`` and their kernels are written for speed (blocks that stay in
cache, comparisons shared between trees, buffers reused). Each is compared here with a
plain implementation of its definition (scipy's filters with ``mode="mirror"``, one
tree at a time, one lag at a time), on random and sinus-like series, short records,
runs of identical values, windows longer than the series and block boundaries.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import median_filter, percentile_filter, uniform_filter1d

from analytics.cardiac import AFDetectorParams, detect_af_proba
from analytics.cardiac._af_model import (
    _BLOCK,
    FEATURES,
    FITTED,
    AFModel,
    features,
    log_odds,
    smoothed,
)
from analytics.cardiac._af_stats import _PATTERN_BLOCK, nearest_pattern_ms

PARAMS = AFDetectorParams()


def _series(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "random":  # AF-like: the speed benchmark's input
        return rng.uniform(400.0, 1000.0, n)
    if kind == "sinus":  # smooth sinus arrhythmia with measurement noise
        return 800 + 40 * np.sin(np.arange(n) / 3.0) + rng.normal(0.0, 5.0, n)
    if kind == "runs":  # runs of identical intervals (ties in every window)
        return np.repeat(rng.uniform(500.0, 900.0, n), rng.integers(1, 12, n))[:n]
    if kind == "steady":  # integer ms from a few values, a long constant stretch
        x = rng.integers(600, 606, n).astype(np.float64)
        x[n // 4 : n // 2] = 700.0
        return x
    raise ValueError(kind)


KINDS = ("random", "sinus", "runs", "steady")


# --- log_odds --------------------------------------------------------------------


def _reference_log_odds(x: np.ndarray, model: AFModel) -> np.ndarray:
    """One tree after the other: leaf = binary number of the level comparisons."""
    z = np.full(x.shape[0], model.base)
    for feats, thresholds, leaves in model.trees:
        leaf = np.zeros(x.shape[0], dtype=np.intp)
        for f, t in zip(feats, thresholds, strict=True):
            leaf = 2 * leaf + (x[:, f] >= t)
        z += np.asarray(leaves)[leaf]
    return z


def _random_model(seed: int, x: np.ndarray) -> AFModel:
    """Trees of depth 0-8 on thresholds drawn from the data (so that many repeat and
    some equal feature values exactly), infinite thresholds among them."""
    rng = np.random.default_rng(seed)
    edges = [np.unique(np.r_[x[: x.shape[0] // 2, f][::97], -np.inf, np.inf]) for f in range(14)]
    trees = []
    for _ in range(25):
        depth = int(rng.integers(0, 9))
        feats = tuple(int(f) for f in rng.integers(0, 14, depth))
        thresholds = tuple(float(rng.choice(edges[f][:6])) for f in feats)
        leaves = tuple(float(v) for v in rng.normal(0.0, 0.3, 1 << depth))
        trees.append((feats, thresholds, leaves))
    return AFModel(float(rng.normal()), tuple(trees))


@pytest.mark.parametrize("n", [0, 1, 7, _BLOCK - 1, _BLOCK, _BLOCK + 1, 2 * _BLOCK + 77])
def test_log_odds_equals_tree_by_tree_scoring(n: int) -> None:
    x = features(_series("random", max(n, 16), n), PARAMS)[:n]
    np.testing.assert_array_equal(log_odds(x, FITTED), _reference_log_odds(x, FITTED))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_odds_of_any_model_equals_tree_by_tree_scoring(seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(3 * _BLOCK + 5, 14))
    x[:, 3] = np.round(x[:, 3], 1)  # ties: values equal to a threshold go up
    x[::50, 5] = np.nan  # NaN compares False, as in the reference
    x[::70, 6] = np.inf
    x[::90, 7] = -np.inf
    model = _random_model(seed, x)
    for layout in (x, np.asfortranarray(x)):
        np.testing.assert_array_equal(log_odds(layout, model), _reference_log_odds(x, model))


def test_log_odds_of_stumps_and_an_empty_ensemble() -> None:
    x = np.random.default_rng(3).normal(size=(100, 14))
    for model in (
        AFModel(0.25, ()),
        AFModel(0.25, (((), (), (1.5,)), ((), (), (-0.5,)))),
        AFModel(0.25, (((2,), (0.0,), (1.0, 2.0)),)),
    ):
        np.testing.assert_array_equal(log_odds(x, model), _reference_log_odds(x, model))


# --- nearest_pattern_ms ----------------------------------------------------------


def _reference_nearest(rr: np.ndarray, m: int, half: int) -> np.ndarray:
    """Lag by lag over the whole series: Chebyshev distance between templates i, i + k."""
    t = rr.size - m + 1
    if t < 1:
        return np.full(rr.size, np.inf)
    win = sliding_window_view(rr, m)
    best = np.full(t, np.inf)
    for k in range(1, min(half, t - 1) + 1):
        d = np.abs(win[k:] - win[:-k]).max(axis=1)
        best[:-k] = np.minimum(best[:-k], d)
        best[k:] = np.minimum(best[k:], d)
    return np.concatenate((best, np.full(m - 1, best[-1])))


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("half", [1, 5, 32])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 33, 34, 35, 36, 37, 200])
def test_nearest_pattern_equals_lag_by_lag_reference(m: int, half: int, n: int) -> None:
    rr = _series("runs" if n % 2 else "random", n, seed=n)
    params = replace(PARAMS, pattern_beats=m, novelty_half_beats=half)
    np.testing.assert_array_equal(nearest_pattern_ms(rr, params), _reference_nearest(rr, m, half))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("extra", [-1, 0, 1, 2, 3, 20, 33, 34, 1000])
def test_nearest_pattern_is_exact_across_blocks(kind: str, extra: int) -> None:
    n = 2 * _PATTERN_BLOCK + extra  # templates n - 2: blocks end at, before and past n
    rr = _series(kind, n, seed=extra + 40)
    np.testing.assert_array_equal(nearest_pattern_ms(rr, PARAMS), _reference_nearest(rr, 3, 32))


# --- features and the whole pipeline ---------------------------------------------


def _median(x: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(median_filter(x, size=min(size, x.size), mode="mirror"))


def _mean(x: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(uniform_filter1d(x, size=min(size, x.size), mode="mirror"))


def _reference_features(rr: np.ndarray) -> dict[str, np.ndarray]:
    """The features as _af_model documents them, from scipy's filters, one at a time."""
    n, w, eps = rr.size, 91, 1e-4
    local = _median(rr, 9)
    smooth = _median(rr, 5)
    lag1, lag2 = np.zeros(n), np.zeros(n)
    lag1[1:] = np.abs(np.diff(smooth))
    lag2[2:] = np.abs(smooth[2:] - smooth[:-2])
    irr = np.minimum(_mean(lag1, 8), _mean(lag2, 8)) / local
    nearest = _reference_nearest(rr, 3, 32)
    raw = np.cbrt(np.maximum(irr * np.square(nearest / local), 0.0))
    rel = rr / local
    premature = np.zeros(n, dtype=bool)
    premature[:-1] = (rel[:-1] < 0.85) & (rel[1:] > 1.1)
    ectopic = premature.copy()
    ectopic[1:] |= premature[:-1]
    clean = np.where(ectopic, local, rr)
    step = np.zeros(n)
    step[1:] = np.abs(np.diff(clean))
    diff = np.zeros(n)
    diff[1:] = np.diff(rr) / local[1:]
    power = _mean(diff * diff, w) + 1e-9
    lag1[1:], lag2[2:] = diff[1:] * diff[:-1], diff[2:] * diff[:-2]
    lag1[0] = lag2[0] = lag2[1] = 0.0
    turning = np.zeros(n)
    turning[1:-1] = (rr[1:-1] - rr[:-2]) * (rr[1:-1] - rr[2:]) > 0
    mean = _mean(clean, w)
    log_rr = np.log(_median(rr, w))
    q50 = np.exp(log_rr)  # features() takes the median back from its log
    size = min(w, n)
    return {
        "log_score_91": np.log(_median(raw, 91) + eps),
        "log_score_301": np.log(_median(raw, 301) + eps),
        "log_rr_91": log_rr,
        "ectopic_pairs": _mean(premature.astype(np.float64), w),
        "log_irr_clean": np.log(_median(_mean(step, 8) / local, w) + eps),
        "acf1": _mean(lag1, w) / power,
        "acf2": _mean(lag2, w) / power,
        "turning_points": _mean(turning, w),
        "log_novelty_91": np.log(_median(nearest / local, w) + eps),
        "log_cv_clean": 0.5 * np.log(np.maximum(_mean(clean * clean, w) - mean * mean, 1.0))
        - np.log(mean),
        "big_steps": _mean((step / local > 0.065).astype(np.float64), w),
        "low_spread": (q50 - percentile_filter(rr, 10, size=size, mode="mirror")) / q50,
        "high_spread": (percentile_filter(rr, 90, size=size, mode="mirror") - q50) / q50,
        "regular_pairs": _mean((np.abs(diff) < 0.03).astype(np.float64), w),
    }


def _check_features(rr: np.ndarray) -> None:
    got = features(rr, PARAMS)
    assert got.shape == (rr.size, len(FEATURES))
    for name, expected in _reference_features(rr).items():
        column = got[:, FEATURES.index(name)]
        np.testing.assert_allclose(column, expected, rtol=0, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [20_000, 2 * _BLOCK + 301])
def test_features_equal_the_scipy_reference(kind: str, n: int) -> None:
    _check_features(_series(kind, n, seed=n))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "n", [16, 17, 45, 46, 50, 89, 90, 91, 92, 93, 150, 151, 152, 300, 301, 302]
)
def test_features_of_records_shorter_than_a_window_equal_the_reference(kind: str, n: int) -> None:
    _check_features(_series(kind, n, seed=n))


def test_features_of_many_short_records_equal_the_reference() -> None:
    rng = np.random.default_rng(5)
    for _ in range(40):
        _check_features(_series(str(rng.choice(KINDS)), int(rng.integers(16, 101)), seed=1))


@pytest.mark.parametrize("kind", KINDS)
def test_proba_equals_the_reference_pipeline(kind: str) -> None:
    rr = _series(kind, 30_000, seed=9)
    x = features(rr, PARAMS)  # the columns above are checked against the reference
    z = np.asarray(median_filter(_reference_log_odds(x, FITTED), size=91, mode="mirror"))
    np.testing.assert_array_equal(smoothed(log_odds(x, FITTED)), z)
    expected = 0.5 * (1.0 + np.tanh(0.5 * z))
    before = rr.copy()
    np.testing.assert_allclose(detect_af_proba(rr), expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(rr, before)  # no artefact: RR is used in place, unchanged
