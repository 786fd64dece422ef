"""Implausible heart-rate and glucose jumps, sensor contact share."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analytics.quality import (
    QualityInputError,
    contact_share,
    glucose_jumps,
    glucose_rate_mg_dl_per_min,
    hr_jumps,
    share_per_window,
    window_grid,
)


def test_hr_jump_above_20_percent_is_flagged() -> None:
    assert hr_jumps([0.0, 1.0], [100.0, 120.5]).tolist() == [False, True]


def test_hr_jump_of_exactly_20_percent_is_not_flagged() -> None:
    assert hr_jumps([0.0, 1.0], [100.0, 120.0]).tolist() == [False, False]


def test_hr_change_across_a_gap_is_not_compared() -> None:
    assert hr_jumps([0.0, 10.0], [60.0, 140.0]).tolist() == [False, False]


def test_glucose_rate_is_per_minute() -> None:
    assert_allclose(
        glucose_rate_mg_dl_per_min([0.0, 300.0, 600.0], [100.0, 90.0, 105.0]), [np.nan, -2.0, 3.0]
    )


@pytest.mark.parametrize(("step_mg_dl", "flagged"), [(25.0, False), (25.5, True), (-26.0, True)])
def test_glucose_jump_beyond_5_mg_dl_per_min(step_mg_dl: float, flagged: bool) -> None:
    assert glucose_jumps([0.0, 300.0], [150.0, 150.0 + step_mg_dl]).tolist() == [False, flagged]


def test_duplicate_glucose_times_are_refused() -> None:
    with pytest.raises(QualityInputError, match="strictly increasing"):
        glucose_rate_mg_dl_per_min([0.0, 0.0], [100.0, 101.0])


def test_contact_share_per_window() -> None:
    t = np.arange(0.0, 600.0)
    contact = t < 450.0
    assert_allclose(contact_share(t, contact, window_grid(0.0, 600.0)), [1.0, 0.5])


def test_share_is_nan_for_a_window_without_samples() -> None:
    shares = share_per_window([1.0], np.array([True]), window_grid(0.0, 600.0))
    assert shares[0] == 1.0
    assert np.isnan(shares[1])


def test_flags_of_wrong_length_are_refused() -> None:
    with pytest.raises(QualityInputError, match="one entry per sample"):
        share_per_window([1.0, 2.0], np.array([True]), window_grid(0.0, 600.0))
