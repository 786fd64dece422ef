"""detect_af: the stable contract, real-data accuracy, traps, validation, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import analytics.cardiac
from analytics.cardiac import AFDetectorParams, af_score, detect_af
from analytics.errors import CardiacInputError


def _se_sp(labels: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    se = float((labels & truth).sum() / truth.sum())
    sp = float((~labels & ~truth).sum() / (~truth).sum())
    return se, sp


def _sinus(n: int, seed: int = 0, mean_ms: float = 900.0, rsa_ms: float = 60.0) -> np.ndarray:
    """Sinus rhythm with respiratory sinus arrhythmia (period ~4.5 beats) and jitter."""
    rng = np.random.default_rng(seed)
    beat = np.arange(n)
    return mean_ms + rsa_ms * np.sin(2 * np.pi * beat / 4.5) + rng.normal(0, 8, n)


def _af(n: int, seed: int = 0, mean_ms: float = 650.0) -> np.ndarray:
    """Irregularly irregular intervals: independent draws, CV about 20 %."""
    return np.random.default_rng(seed).normal(mean_ms, 0.2 * mean_ms, n).clip(300, 2000)


def test_contract_is_exported_from_the_package() -> None:
    assert "detect_af" in analytics.cardiac.__all__


def test_returns_one_bool_per_interval_for_a_plain_list() -> None:
    labels = detect_af([800.0] * 50)
    assert isinstance(labels, np.ndarray)
    assert labels.dtype == np.bool_
    assert labels.shape == (50,)


def test_sensitivity_and_specificity_on_afdb_04746_extracts(af_extract_04746) -> None:
    rr, truth = af_extract_04746
    se, sp = _se_sp(detect_af(rr), truth)
    assert se >= 0.95  # measured 0.99
    assert sp >= 0.97  # measured 0.99


def test_sensitivity_and_specificity_on_afdb_04936_short_episodes(af_extract_04936) -> None:
    rr, truth = af_extract_04936
    se, sp = _se_sp(detect_af(rr), truth)
    # The tree model trades the edges of short episodes for specificity (the linear model
    # before it measured 0.98 / 0.96 here).
    assert se >= 0.85  # measured 0.89
    assert sp >= 0.97  # measured 0.99


def test_specificity_on_healthy_sinus_rhythm_nsr001(nsr001_extract) -> None:
    labels = detect_af(nsr001_extract)
    assert 1.0 - labels.mean() >= 0.97  # measured 1.0 on this hard (night-time) stretch


def test_specificity_on_atrial_ectopy_mitdb100(mitdb100) -> None:
    assert not detect_af(mitdb100).any()


def test_random_intervals_are_af() -> None:
    assert detect_af(_af(400)).mean() > 0.95


def test_strong_sinus_arrhythmia_is_not_af() -> None:
    # 120 ms peak-to-peak at 1000 ms: the healthy, young, sleeping heart (the known trap)
    rr = _sinus(1000, mean_ms=1000.0, rsa_ms=60.0)
    assert not detect_af(rr).any()


def test_ventricular_bigeminy_is_not_af() -> None:
    rng = np.random.default_rng(3)
    rr = np.tile([520.0, 1080.0], 300) + rng.normal(0, 8, 600)
    assert not detect_af(rr).any()


def test_frequent_isolated_ectopic_beats_are_not_af() -> None:
    rr = _sinus(1200, mean_ms=800.0, rsa_ms=20.0)
    rr[5::6] = 520.0  # every sixth beat premature ...
    rr[6::6] = 1080.0  # ... followed by a compensatory pause
    assert detect_af(rr).mean() < 0.03


def test_fast_regular_rhythm_is_not_af() -> None:
    assert not detect_af(_sinus(1000, mean_ms=400.0, rsa_ms=5.0)).any()


def test_af_onset_is_located_within_a_minute() -> None:
    rr = np.r_[_sinus(600), _af(600, seed=1)]
    labels = detect_af(rr)
    onset = int(np.argmax(labels))
    assert abs(onset - 600) < 90


def test_an_artefact_inside_af_does_not_split_it() -> None:
    rr = _af(500, seed=2)
    rr[250] = 4000.0  # a dropout: one impossible interval
    labels = detect_af(rr)
    assert labels[100:400].all()


def test_higher_threshold_is_more_specific() -> None:
    rr = np.r_[_sinus(400), _af(400, seed=4)]
    loose = detect_af(rr, threshold=0.1)
    strict = detect_af(rr, threshold=0.9)
    assert strict.sum() <= loose.sum()
    assert not (strict & ~loose).any()


def test_empty_input_gives_empty_labels() -> None:
    labels = detect_af(np.array([]))
    assert labels.shape == (0,)
    assert labels.dtype == np.bool_


def test_too_short_input_is_all_non_af() -> None:
    labels = detect_af(_af(10))
    assert labels.tolist() == [False] * 10


def test_nan_raises_a_value_error_naming_rr_ms() -> None:
    with pytest.raises(ValueError, match="rr_ms"):
        detect_af([800.0, float("nan"), 810.0])


def test_infinite_raises() -> None:
    with pytest.raises(CardiacInputError, match="rr_ms"):
        detect_af([800.0, float("inf")])


def test_negative_raises() -> None:
    with pytest.raises(CardiacInputError, match="positive"):
        detect_af([800.0, -5.0, 810.0])


def test_text_raises() -> None:
    with pytest.raises(CardiacInputError, match="rr_ms"):
        detect_af(["a", "b"])


def test_two_dimensional_raises() -> None:
    with pytest.raises(CardiacInputError, match="1-D"):
        detect_af(np.ones((2, 20)) * 800)


@pytest.mark.parametrize("threshold", [0.0, 1.0, float("nan")])
def test_threshold_outside_zero_one_raises(threshold: float) -> None:
    with pytest.raises(CardiacInputError, match="threshold"):
        detect_af([800.0] * 30, threshold=threshold)


def test_even_smoothing_window_is_rejected() -> None:
    with pytest.raises(CardiacInputError, match="smoothing_beats"):
        AFDetectorParams(smoothing_beats=90)


def test_score_is_nan_at_artefacts_only() -> None:
    rr = _af(100)
    rr[10] = 100.0
    score = af_score(rr)
    assert np.isnan(score).tolist() == [i == 10 for i in range(100)]


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(0, 300), elements=st.floats(150.0, 3500.0)))
def test_property_one_bool_label_per_interval(rr: np.ndarray) -> None:
    labels = detect_af(rr)
    assert labels.dtype == np.bool_
    assert labels.shape == rr.shape


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 200), elements=st.floats(200.0, 2000.0)),
    st.data(),
)
def test_property_malformed_input_raises_the_packages_error(rr: np.ndarray, data) -> None:
    bad = data.draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -800.0]))
    rr[data.draw(st.integers(0, rr.size - 1))] = bad
    with pytest.raises(CardiacInputError, match="rr_ms"):
        detect_af(rr)
