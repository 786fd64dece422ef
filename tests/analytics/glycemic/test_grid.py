"""cgm_day_grid: iglu's CGMS2DayByDay rules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from analytics.glycemic import cgm_day_grid

SEOUL = ZoneInfo("Asia/Seoul")


def test_grid_starts_at_local_midnight_of_the_first_reading() -> None:
    times = [
        dt.datetime(2024, 3, 1, 23, 59, tzinfo=SEOUL) + dt.timedelta(minutes=5 * i)
        for i in range(3)
    ]
    grid = cgm_day_grid(times, [100.0, 110.0, 120.0], "Asia/Seoul")
    assert grid.first_day == dt.date(2024, 3, 1)
    assert dt.datetime.fromtimestamp(grid.origin_s, tz=SEOUL) == dt.datetime(
        2024, 3, 1, tzinfo=SEOUL
    )


def test_reading_after_midnight_starts_the_next_local_day() -> None:
    times = [
        dt.datetime(2024, 3, 2, 0, 1, tzinfo=SEOUL) + dt.timedelta(minutes=5 * i) for i in range(3)
    ]
    assert cgm_day_grid(times, [100.0, 110.0, 120.0], SEOUL).first_day == dt.date(2024, 3, 2)


def test_interpolates_inside_45_minute_gaps_only() -> None:
    minutes = np.array([0, 5, 45, 50, 100, 105])  # a 40-min gap, then a 50-min gap
    times = np.datetime64("2024-01-01T00:00") + minutes.astype("timedelta64[m]")
    grid = cgm_day_grid(times, [100.0, 100.0, 140.0, 140.0, 80.0, 80.0], "UTC")
    by_minute = dict(
        zip(((np.arange(grid.flat.size) + 1) * 5).tolist(), grid.flat.tolist(), strict=True)
    )
    assert by_minute[25] == pytest.approx(120.0)
    assert np.isnan(by_minute[75])
    assert by_minute[50] == 140.0
    assert by_minute[100] == 80.0


def test_repeated_times_keep_the_last_reading() -> None:
    times = np.datetime64("2024-01-01T00:00") + np.array([0, 5, 5, 10]).astype("timedelta64[m]")
    grid = cgm_day_grid(times, [100.0, 90.0, 120.0, 120.0], "UTC")
    assert grid.flat[0] == 120.0  # 00:05


def test_grid_step_follows_the_median_interval() -> None:
    times = np.datetime64("2024-01-01T00:00") + np.arange(10) * np.timedelta64(15, "m")
    assert cgm_day_grid(times, np.full(10, 100.0), "UTC").dt0_min == 15
