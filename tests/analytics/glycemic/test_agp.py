"""AGP percentiles and data sufficiency."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.glycemic import agp_percentiles, data_sufficiency
from tests.analytics.glycemic.conftest import FIXTURES


def test_agp_matches_iglu_quantiles(edge_subject: tuple[np.ndarray, np.ndarray]) -> None:
    golden = pd.read_csv(FIXTURES / "golden_iglu_agp_quantiles_hall_1636-69-001.csv")
    profile = agp_percentiles(*edge_subject, "EST")
    assert_allclose(profile.minute_of_day, golden["minute"])
    expected = golden[["X5.", "X25.", "X50.", "X75.", "X95."]].to_numpy()
    assert_allclose(profile.glucose_mg_dl, expected, rtol=1e-9)


def test_agp_bins_follow_local_time() -> None:
    # one reading every 5 min for 3 days, glucose = 100 + local hour of day in Seoul
    times = np.datetime64("2024-01-01T00:00") + np.arange(3 * 288) * np.timedelta64(5, "m")
    local_hour = (times.astype("datetime64[h]").astype(int) + 9) % 24
    profile = agp_percentiles(times, 100.0 + local_hour, "Asia/Seoul")
    median = profile.glucose_mg_dl[:, 2]
    at_0300 = int(np.flatnonzero(profile.minute_of_day == 3 * 60 + 5)[0])
    assert median[at_0300] == pytest.approx(103.0)


def test_agp_bin_without_data_is_nan() -> None:
    times = np.datetime64("2024-01-01T00:00") + np.arange(24) * np.timedelta64(5, "m")
    profile = agp_percentiles(times, np.full(24, 100.0), "UTC")
    assert np.isnan(profile.glucose_mg_dl[-1]).all()
    assert profile.n_days[-1] == 0


def test_data_sufficiency_flags_a_period_below_70_percent() -> None:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    times = np.datetime64("2024-01-01T00:00") + np.arange(9 * 288) * np.timedelta64(5, "m")
    result = data_sufficiency(times, start)
    assert result.active_percent == pytest.approx(100.0 * 9 / 14)
    assert not result.sufficient


def test_data_sufficiency_accepts_a_full_period() -> None:
    times = np.datetime64("2024-01-01T00:00") + np.arange(14 * 288) * np.timedelta64(5, "m")
    result = data_sufficiency(times, np.datetime64("2024-01-01T00:00"))
    assert result.sufficient
    assert result.active_percent == pytest.approx(100.0)
