"""Input validation: errors are ValueError subclasses naming the parameter."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from analytics.errors import AnalyticsError, GlycemicInputError
from analytics.glycemic import cgm_metrics

TIMES = np.datetime64("2024-01-01T00:00") + np.arange(4) * np.timedelta64(5, "m")


def test_error_is_a_value_error() -> None:
    assert issubclass(GlycemicInputError, AnalyticsError)
    assert issubclass(GlycemicInputError, ValueError)


def test_mismatched_lengths_name_glucose() -> None:
    with pytest.raises(GlycemicInputError, match="glucose_mg_dl"):
        cgm_metrics(TIMES, [100.0, 110.0], "UTC")


def test_naive_datetimes_name_times() -> None:
    naive = [dt.datetime(2024, 1, 1, 0, 5 * i) for i in range(4)]
    with pytest.raises(GlycemicInputError, match="times"):
        cgm_metrics(naive, [100.0] * 4, "UTC")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_glucose_names_glucose(bad: float) -> None:
    with pytest.raises(GlycemicInputError, match="glucose_mg_dl"):
        cgm_metrics(TIMES, [100.0, bad, 100.0, 100.0], "UTC")


def test_unknown_time_zone_names_tz() -> None:
    with pytest.raises(GlycemicInputError, match="tz"):
        cgm_metrics(TIMES, [100.0] * 4, "Mars/Olympus")


def test_empty_input_names_times() -> None:
    with pytest.raises(GlycemicInputError, match="times"):
        cgm_metrics(np.array([], dtype="datetime64[s]"), [], "UTC")
