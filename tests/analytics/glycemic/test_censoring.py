"""Sensor LOW/HIGH are glucose below/above the range, never gaps."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.errors import GlycemicInputError
from analytics.glycemic import HIGH_MG_DL, LOW_MG_DL, cgm_metrics, uncensor
from analytics.rules import Severity, evaluate_participant
from tests.analytics.rules.conftest import T0, cgm, window


def _stored(n_before: int, n_low: int, n_after: int) -> tuple[np.ndarray, np.ndarray]:
    """Stored values (NaN where censored) and the censored_low mask."""
    values = np.array([110.0] * n_before + [np.nan] * n_low + [110.0] * n_after)
    low = np.isnan(values)
    return values, low


def test_low_and_high_become_one_beyond_the_reportable_range() -> None:
    out = uncensor([np.nan, 80.0, np.nan], [True, False, False], [False, False, True])
    assert out.tolist() == [LOW_MG_DL, 80.0, HIGH_MG_DL] == [39.0, 80.0, 401.0]


def test_uncensor_refuses_a_reading_both_low_and_high() -> None:
    with pytest.raises(GlycemicInputError, match="both LOW and HIGH"):
        uncensor([np.nan], [True], [True])


def test_uncensor_refuses_mismatched_shapes() -> None:
    with pytest.raises(GlycemicInputError, match="equal length"):
        uncensor([np.nan, 1.0], [True], [False])


@pytest.mark.parametrize(("n_low", "fires"), [(2, False), (3, True)])
def test_fifteen_minutes_of_low_raise_hypo_level2(n_low: int, fires: bool) -> None:
    values, low = _stored(24, n_low, 24)
    w = window(**cgm(uncensor(values, low, np.zeros_like(low)).tolist()))
    now = float(w.cgm_times_s[-1])
    found = [f for f in evaluate_participant(w, None, now_s=now) if f.rule_id == "hypo_level2"]
    assert len(found) == int(fires)
    if fires:
        assert found[0].severity is Severity.HIGH
        assert found[0].worst_value == LOW_MG_DL


def test_low_counts_below_54_and_as_active_time() -> None:
    values, low = _stored(12, 12, 0)
    times = (T0 + 300.0 * np.arange(values.size)).astype("datetime64[s]")
    m = cgm_metrics(times, uncensor(values, low, np.zeros_like(low)), "UTC")
    assert m["below_54"] == pytest.approx(50.0, abs=5.0)
    assert m["active_percent"] == pytest.approx(100.0)
