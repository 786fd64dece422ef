"""cgm_metrics against iglu 4.3.0 golden values and closed-form cases."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.glycemic import METRIC_KEYS, cgm_metrics
from tests.analytics.glycemic.conftest import FIXTURES, utc_datetime64

SUBJECTS = sorted(pd.read_csv(FIXTURES / "golden_iglu_example_data_hall.csv")["id"])
SEOUL = ZoneInfo("Asia/Seoul")


def test_metric_keys_are_the_golden_columns(golden_metrics: pd.DataFrame) -> None:
    assert list(METRIC_KEYS) == list(golden_metrics.columns)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_metric_matches_iglu_for_subject(
    subject: str, hall: pd.DataFrame, golden_metrics: pd.DataFrame
) -> None:
    rows = hall[hall["id"] == subject]
    got = cgm_metrics(utc_datetime64(rows["time"]), rows["gl"].to_numpy(dtype=float), "EST")
    expected = golden_metrics.loc[subject]
    for key in METRIC_KEYS:
        assert_allclose(got[key], expected[key], rtol=1e-6, atol=0, err_msg=key)


def test_aware_datetimes_give_same_result_as_utc_datetime64(hall: pd.DataFrame) -> None:
    rows = hall[hall["id"] == SUBJECTS[3]]
    glucose = rows["gl"].to_numpy(dtype=float)
    aware = [t.to_pydatetime() for t in rows["time"]]
    assert dict(cgm_metrics(aware, glucose, "EST")) == dict(
        cgm_metrics(utc_datetime64(rows["time"]), glucose, "EST")
    )


def test_readings_at_2359_and_0001_fall_on_different_local_days() -> None:
    times = [
        dt.datetime(2024, 3, 1, 23, 59, tzinfo=SEOUL),
        dt.datetime(2024, 3, 2, 0, 1, tzinfo=SEOUL),
    ]
    glucose = np.array([60.0, 300.0])
    risk = 22.77 * (np.log(glucose) ** 1.084 - 5.381) ** 2
    assert cgm_metrics(times, glucose, "Asia/Seoul")["ADRR"] == pytest.approx(risk.mean())
    # the same instants share one UTC day (14:59 and 15:01 UTC)
    assert cgm_metrics(times, glucose, "UTC")["ADRR"] == pytest.approx(risk.sum())


def test_constant_glucose_has_zero_variability() -> None:
    times = np.datetime64("2024-01-01T00:00") + np.arange(600) * np.timedelta64(5, "m")
    m = cgm_metrics(times, np.full(600, 120.0), SEOUL)
    assert (m["SD"], m["CONGA1"], m["MODD"]) == (0.0, 0.0, 0.0)
    assert np.isnan(m["MAGE"])


def test_mage_of_a_sinusoid_is_its_peak_to_nadir_height() -> None:
    minutes = np.arange(0, 3 * 1440 + 1, 5)  # 12 whole 6-h periods, nadir to nadir
    glucose = 140.0 - 50.0 * np.cos(2 * np.pi * minutes / 360.0)
    times = np.datetime64("2024-01-01T00:00") + minutes.astype("timedelta64[m]")
    assert cgm_metrics(times, glucose, "UTC")["MAGE"] == pytest.approx(100.0, rel=1e-3)


def test_gri_is_capped_at_100() -> None:
    times = np.datetime64("2024-01-01T00:00") + np.arange(50) * np.timedelta64(5, "m")
    assert cgm_metrics(times, np.full(50, 45.0), "UTC")["GRI"] == 100.0


def test_active_percent_counts_a_one_hour_gap_as_missing() -> None:
    minutes = np.r_[np.arange(0, 600, 5), np.arange(660, 1200, 5)]
    times = np.datetime64("2024-01-01T00:00") + minutes.astype("timedelta64[m]")
    m = cgm_metrics(times, np.full(minutes.size, 100.0), "UTC")
    expected = 100.0 * (240 - 12) / 240  # 240 expected slots, 600..655 missing
    assert m["active_percent"] == pytest.approx(expected)


def test_single_reading_gives_nan_grid_metrics() -> None:
    m = cgm_metrics(np.array(["2024-01-01T00:00"], dtype="datetime64[s]"), [100.0], "UTC")
    assert m["mean"] == 100.0
    assert np.isnan(m["CONGA1"])
    assert np.isnan(m["MODD"])
    assert np.isnan(m["MAGE"])
