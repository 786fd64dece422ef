"""detect_af_proba: the model's formula, its range, and detect_af as its cut-off."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter

import analytics.cardiac
from analytics.cardiac import AFDetectorParams, af_score, detect_af, detect_af_proba
from analytics.cardiac._af_model import WEIGHTS
from analytics.cardiac.af import irregularity, novelty
from analytics.errors import CardiacInputError


def _recording(seed: int) -> np.ndarray:
    """Sinus rhythm, an AF stretch and sinus again, with a few artefacts."""
    rng = np.random.default_rng(seed)
    sinus = 850 + 50 * np.sin(np.arange(1500) / 0.7) + rng.normal(0, 10, 1500)
    af = rng.uniform(400, 1000, 800)
    rr = np.concatenate((sinus[:700], af, sinus[700:]))
    rr[rng.choice(rr.size, 12, replace=False)] = rng.choice([120.0, 4000.0], 12)
    return rr


def _proba_by_hand(rr: np.ndarray) -> np.ndarray:
    """The documented model, written out from af_score's raw score (smoothing of 1 beat)."""
    valid = (rr >= 200) & (rr <= 3000)
    x = rr[valid]
    raw = af_score(x, AFDetectorParams(smoothing_beats=1))
    f = np.c_[
        np.log(median_filter(raw, size=91, mode="mirror") + 1e-4),
        np.log(median_filter(raw, size=301, mode="mirror") + 1e-4),
        np.log(median_filter(x, size=91, mode="mirror")),
    ]
    z = WEIGHTS[0] + f @ np.asarray(WEIGHTS[1:])
    out = np.full(rr.size, np.nan)
    out[valid] = 1.0 / (1.0 + np.exp(-z))
    return out


def test_proba_is_exported_from_the_package() -> None:
    assert "detect_af_proba" in analytics.cardiac.__all__


@pytest.mark.parametrize("seed", [0, 1])
def test_proba_is_the_logistic_of_the_documented_features(seed: int) -> None:
    rr = _recording(seed)
    np.testing.assert_allclose(detect_af_proba(rr), _proba_by_hand(rr), rtol=1e-9, atol=1e-12)


def test_proba_is_nan_at_artefacts_only_and_within_zero_one() -> None:
    rr = _recording(2)
    p = detect_af_proba(rr)
    artefact = (rr < 200) | (rr > 3000)
    assert np.array_equal(np.isnan(p), artefact)
    assert ((p[~artefact] >= 0) & (p[~artefact] <= 1)).all()


def test_proba_separates_af_from_the_sinus_around_it() -> None:
    p = detect_af_proba(_recording(3))
    assert np.nanmax(p[:500]) < 0.2
    assert np.nanmin(p[850:1350]) > 0.9


def test_too_short_input_has_no_probability() -> None:
    assert np.isnan(detect_af_proba([800.0] * 10)).all()


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1])
def test_labels_are_the_thresholded_probability(threshold: float, seed: int) -> None:
    rr = _recording(seed)
    p = detect_af_proba(rr)
    valid = ~np.isnan(p)
    expected = np.zeros(rr.size, dtype=bool)
    expected[valid] = p[valid] > threshold
    for i in np.flatnonzero(~valid):  # artefacts between two AF beats are AF
        before, after = np.flatnonzero(valid[:i]), np.flatnonzero(valid[i:]) + i
        if before.size and after.size and expected[before[-1]] and expected[after[0]]:
            expected[i] = True
    np.testing.assert_array_equal(detect_af(rr, threshold=threshold), expected)


def test_other_weights_change_the_probability() -> None:
    rr = _recording(4)
    shifted = AFDetectorParams(weights=(WEIGHTS[0] - 5.0, *WEIGHTS[1:]))
    assert np.nanmean(detect_af_proba(rr, params=shifted)) < np.nanmean(detect_af_proba(rr))


@pytest.mark.parametrize("weights", [(1.0, 2.0), (1.0, 2.0, 3.0, float("nan"))])
def test_malformed_weights_are_rejected(weights: tuple[float, ...]) -> None:
    with pytest.raises(CardiacInputError, match="weights"):
        AFDetectorParams(weights=weights)


def test_score_is_the_geometric_mean_of_irregularity_and_novelty_twice() -> None:
    rr = _recording(4)
    rr = rr[(rr >= 200) & (rr <= 3000)]
    params = AFDetectorParams(smoothing_beats=1)
    raw = np.cbrt(irregularity(rr, params) * novelty(rr, params) ** 2)
    np.testing.assert_allclose(af_score(rr, params), raw, rtol=1e-12)
