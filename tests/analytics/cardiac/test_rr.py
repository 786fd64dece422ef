"""RR cleaning: artefacts, ectopic beats, coverage, input validation."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analytics.cardiac import artefact_mask, clean_rr, window_coverage
from analytics.errors import AnalyticsError, CardiacInputError


def test_artefacts_are_outside_200_to_3000_ms() -> None:
    mask = artefact_mask([199.9, 200.0, 1000.0, 3000.0, 3000.1])
    assert mask.tolist() == [True, False, False, False, True]


def test_premature_beat_and_compensatory_pause_are_ectopic() -> None:
    rr = np.full(40, 800.0)
    rr[20], rr[21] = 520.0, 1080.0  # -35 % then +35 % of the local median
    clean = clean_rr(rr)
    assert np.flatnonzero(clean.ectopic).tolist() == [20, 21]
    assert not clean.normal[20:22].any()
    assert clean.normal.sum() == 38


def test_gradual_rate_change_is_not_ectopic() -> None:
    rr = np.linspace(1000.0, 600.0, 200)  # a 40 % change spread over 200 beats
    assert not clean_rr(rr).ectopic.any()


def test_artefacts_do_not_shift_the_local_median() -> None:
    rr = np.full(30, 900.0)
    rr[10:14] = 150.0  # four impossible intervals (double detections)
    clean = clean_rr(rr)
    assert clean.artefact[10:14].all()
    assert not clean.ectopic.any()


def test_ectopic_tolerance_is_a_parameter() -> None:
    rr = np.full(30, 1000.0)
    rr[15] = 850.0  # -15 %
    assert not clean_rr(rr).ectopic.any()
    assert clean_rr(rr, ectopic_tolerance=0.1).ectopic[15]


def test_full_window_has_coverage_one() -> None:
    cov = window_coverage(np.full(600, 1000.0), window_s=300.0)
    assert_allclose(cov.coverage[:2], [1.0, 1.0])


def test_coverage_counts_only_valid_beats() -> None:
    rr = np.full(300, 1000.0)
    valid = np.ones(300, dtype=bool)
    valid[:60] = False  # one minute of unusable beats
    cov = window_coverage(rr, valid, window_s=300.0, origin_s=0.0)
    assert_allclose(cov.coverage, [0.8])


def test_coverage_uses_beat_times_across_a_gap() -> None:
    rr = np.full(240, 1000.0)
    times = np.r_[np.arange(1.0, 121.0), np.arange(1.0, 121.0) + 600.0]  # 8-min gap
    cov = window_coverage(rr, times_s=times, window_s=300.0, origin_s=0.0)
    assert_allclose(cov.start_s, [0.0, 300.0, 600.0])
    assert_allclose(cov.coverage, [0.4, 0.0, 0.4])


def test_nan_rr_raises_naming_the_parameter() -> None:
    with pytest.raises(CardiacInputError, match="rr_ms"):
        clean_rr([800.0, np.nan, 800.0])


def test_non_positive_rr_raises() -> None:
    with pytest.raises(CardiacInputError, match="positive"):
        clean_rr([800.0, 0.0])


def test_two_dimensional_rr_raises() -> None:
    with pytest.raises(CardiacInputError, match="1-D"):
        clean_rr(np.ones((3, 3)))


def test_cardiac_errors_are_value_errors() -> None:
    assert issubclass(CardiacInputError, AnalyticsError)
    assert issubclass(CardiacInputError, ValueError)


def test_bad_tolerance_raises_naming_it() -> None:
    with pytest.raises(CardiacInputError, match="ectopic_tolerance"):
        clean_rr([800.0] * 10, ectopic_tolerance=1.5)
