"""detect_af thresholds the score without computing it; it must agree with af_score exactly."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.cardiac import AFDetectorParams, af_score, detect_af
from analytics.cardiac.af import irregularity, novelty


def _recording(seed: int) -> np.ndarray:
    """Sinus rhythm, an AF stretch and sinus again, with a few artefacts."""
    rng = np.random.default_rng(seed)
    sinus = 850 + 50 * np.sin(np.arange(1500) / 0.7) + rng.normal(0, 10, 1500)
    af = rng.uniform(400, 1000, 800)
    rr = np.concatenate((sinus[:700], af, sinus[700:]))
    rr[rng.choice(rr.size, 12, replace=False)] = rng.choice([120.0, 4000.0], 12)
    return rr


def _stretches(pattern: str, seed: int) -> np.ndarray:
    """Alternating stretches, one letter per 400 beats: s sinus, a AF, e sinus with ectopy."""
    rng = np.random.default_rng(seed)
    parts = []
    for kind in pattern:
        beat = np.arange(400)
        sinus = 850 + 50 * np.sin(beat / 0.7) + rng.normal(0, 10, 400)
        if kind == "a":
            parts.append(rng.uniform(400, 1000, 400))
        elif kind == "e":
            sinus[::7] *= 0.6  # a premature beat every 7
            parts.append(sinus)
        else:
            parts.append(sinus)
    return np.concatenate(parts)


def _labels_from_score(rr: np.ndarray, threshold: float, params: AFDetectorParams) -> np.ndarray:
    """detect_af's definition: score above the threshold, artefacts between AF beats AF."""
    score = af_score(rr, params)
    valid = ~np.isnan(score)
    labels = np.zeros(rr.size, dtype=bool)
    labels[valid] = score[valid] > threshold
    out = labels.copy()
    for i in np.flatnonzero(~valid):
        before, after = np.flatnonzero(valid[:i]), np.flatnonzero(valid[i:]) + i
        if before.size and after.size and labels[before[-1]] and labels[after[0]]:
            out[i] = True
    return out


@pytest.mark.parametrize("threshold", [0.01, 0.025, 0.06])
@pytest.mark.parametrize("seed", [0, 1])
def test_labels_equal_thresholded_score(threshold: float, seed: int) -> None:
    rr = _recording(seed)
    params = AFDetectorParams()
    np.testing.assert_array_equal(
        detect_af(rr, threshold=threshold), _labels_from_score(rr, threshold, params)
    )


def test_labels_equal_thresholded_score_for_a_record_shorter_than_the_smoothing() -> None:
    rr = _recording(2)[600:660]  # 60 beats < 91: the smoothing window is the record
    params = AFDetectorParams()
    np.testing.assert_array_equal(detect_af(rr), _labels_from_score(rr, params.threshold, params))


def test_labels_equal_thresholded_score_with_other_window_lengths() -> None:
    rr = _recording(3)
    params = AFDetectorParams(ectopic_median_beats=3, smoothing_beats=31, pattern_beats=2)
    np.testing.assert_array_equal(
        detect_af(rr, params=params), _labels_from_score(rr, params.threshold, params)
    )


def test_score_is_the_geometric_mean_of_irregularity_and_novelty_twice() -> None:
    rr = _recording(4)
    rr = rr[(rr >= 200) & (rr <= 3000)]
    params = AFDetectorParams(smoothing_beats=1)
    raw = np.cbrt(irregularity(rr, params) * novelty(rr, params) ** 2)
    np.testing.assert_allclose(af_score(rr, params), raw, rtol=1e-12)


@pytest.mark.parametrize(
    "pattern",
    [
        "ssssssss",  # sinus only: no window left to refine
        "ssasssasssesas",  # separate AF stretches: several refined regions side by side
        "aaaaaaaas",  # mostly AF: the whole record is refined
        "asssssssa",  # AF at both ends of the record
    ],
)
def test_labels_equal_thresholded_score_for_long_records(pattern: str) -> None:
    rr = _stretches(pattern, seed=len(pattern))
    params = AFDetectorParams()
    np.testing.assert_array_equal(detect_af(rr), _labels_from_score(rr, params.threshold, params))
