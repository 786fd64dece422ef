"""forecast(): causality, NaN behaviour, validation and physiological sanity."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from analytics.errors import GlycemicInputError
from analytics.glycemic import forecast, predicted_low
from analytics.glycemic.forecast import (
    LAGS_MIN,
    baseline_experts,
    gate_weights,
    matched_reading,
)

START = np.datetime64("2024-01-01T00:00")


def five_minute_times(n: int) -> np.ndarray:
    return START + np.arange(n) * np.timedelta64(5, "m")


def meal_trace(n: int = 400, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    minutes = np.arange(n) * 5.0
    meals = sum(60.0 * np.exp(-(((minutes - c) / 60.0) ** 2)) for c in (300, 900, 1500))
    return 110.0 + meals + rng.normal(0.0, 2.0, n).cumsum() * 0.3


def test_changing_future_values_never_changes_earlier_forecasts() -> None:
    glucose = meal_trace()
    cut = 250
    changed = glucose.copy()
    changed[cut + 1 :] = np.random.default_rng(1).uniform(45.0, 350.0, glucose.size - cut - 1)
    before = forecast(five_minute_times(glucose.size), glucose)
    after = forecast(five_minute_times(glucose.size), changed)
    np.testing.assert_array_equal(before[: cut + 1], after[: cut + 1])


def test_truncating_the_series_gives_the_same_forecasts() -> None:
    glucose = meal_trace()
    full = forecast(five_minute_times(glucose.size), glucose)
    part = forecast(five_minute_times(200), glucose[:200])
    np.testing.assert_array_equal(full[:200], part)


def test_forecast_is_nan_until_25_minutes_of_history() -> None:
    out = forecast(five_minute_times(12), np.full(12, 120.0))
    assert np.isnan(out[:5]).all()
    assert np.isfinite(out[5:]).all()


def test_forecast_is_nan_again_after_a_gap_longer_than_20_minutes() -> None:
    minutes = np.r_[np.arange(0, 60, 5), np.arange(80, 140, 5)]  # 25 min without a reading
    out = forecast(START + minutes.astype("timedelta64[m]"), np.full(minutes.size, 120.0))
    after_gap = np.flatnonzero(minutes >= 80)
    assert np.isnan(out[after_gap[:5]]).all()
    assert np.isfinite(out[after_gap[5:]]).all()


def test_steady_glucose_is_forecast_close_to_steady() -> None:
    out = forecast(five_minute_times(100), np.full(100, 110.0))
    assert np.nanmax(np.abs(out - 110.0)) < 10.0


def test_falling_glucose_is_forecast_lower_than_rising_glucose() -> None:
    ramp = np.linspace(0.0, 40.0, 12)
    falling = forecast(five_minute_times(12), 140.0 - ramp)[-1]
    rising = forecast(five_minute_times(12), 100.0 + ramp)[-1]
    assert falling < 100.0 < 140.0 < rising


def test_three_minute_data_is_accepted() -> None:
    times = START + np.arange(60) * np.timedelta64(3, "m")
    out = forecast(times, np.full(60, 100.0))
    assert np.isfinite(out[10:]).all()


def test_aware_datetimes_match_datetime64() -> None:
    glucose = meal_trace(60)
    times = five_minute_times(60)
    aware = [
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=5 * i) for i in range(60)
    ]
    np.testing.assert_allclose(forecast(aware, glucose), forecast(times, glucose))


@pytest.mark.parametrize("horizon", [0, 7, 90])
def test_unsupported_horizon_names_horizon(horizon: int) -> None:
    with pytest.raises(GlycemicInputError, match="horizon_min"):
        forecast(five_minute_times(12), np.full(12, 100.0), horizon_min=horizon)


def test_unsorted_times_are_rejected() -> None:
    with pytest.raises(GlycemicInputError, match="times"):
        forecast(five_minute_times(12)[::-1], np.full(12, 100.0))


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(GlycemicInputError, match="glucose_mg_dl"):
        forecast(five_minute_times(12), np.full(11, 100.0))


def test_predicted_low_flags_a_steep_fall_before_it_goes_below_70() -> None:
    glucose = np.r_[np.full(12, 130.0), 130.0 - 6.0 * np.arange(1, 13)]  # -6 mg/dL per 5 min
    result = predicted_low(five_minute_times(glucose.size), glucose)
    first = int(np.flatnonzero(result.flags)[0])
    assert glucose[first] > 70.0
    # the reading before was already heading low: the confirmation costs no lead time
    unconfirmed = predicted_low(five_minute_times(glucose.size), glucose, confirm_readings=1)
    assert int(np.flatnonzero(unconfirmed.flags)[0]) == first
    assert result.rule_id == "predicted_low"
    assert result.findings[0].n_readings == int(result.flags[first:].sum())


def test_predicted_low_stays_quiet_on_steady_glucose() -> None:
    result = predicted_low(five_minute_times(60), np.full(60, 120.0))
    assert not result.flags.any()
    assert result.findings == ()


def test_shipped_coefficients_match_the_feature_count() -> None:
    from analytics.glycemic import _forecast_params as params
    from analytics.glycemic.forecast import LAGS_MIN

    n_features = len(LAGS_MIN) + 5
    for horizon, rows in params.COEFFICIENTS.items():
        assert len(rows) == len(params.EXPERTS), horizon
        assert {len(r) for r in rows} == {n_features}, horizon


def test_empty_input_gives_empty_forecast() -> None:
    out = forecast(np.array([], dtype="datetime64[s]"), np.array([]))
    assert out.shape == (0,)


def test_fifteen_minute_sensor_with_jittered_timestamps_is_forecast() -> None:
    # FreeStyle Libre-like: a reading every 15 min, logged a few seconds late each time.
    seconds = np.arange(40) * (15 * 60 + 3)
    times = START + seconds.astype("timedelta64[s]")
    out = forecast(times, 120.0 + 20.0 * np.sin(np.arange(40) / 4.0))
    assert np.isnan(out[:2]).all()  # 25 min of history needs two readings after the first
    assert np.isfinite(out[2:]).all()


def test_baseline_experts_are_hold_and_damped_trend() -> None:
    rows = baseline_experts(30)
    assert not rows[0].any()  # hold: no change
    expected = np.zeros(rows.shape[1])
    expected[LAGS_MIN.index(15.0)] = 0.5  # y(t) + 0.5 (y(t) - y(t - 15 min))
    np.testing.assert_array_equal(rows[1], expected)


def test_unpredictable_subject_falls_back_to_hold() -> None:
    # A random walk in hyperglycaemia: the last value is the best forecast; the population
    # experts (their hyperglycaemia hinge expects a fall) lose to it by ~33 % without the
    # baseline experts (measured when they were added).
    rng = np.random.default_rng(11)
    n = 2000
    glucose = np.clip(300.0 + rng.normal(0.0, 6.0, n).cumsum(), 220.0, 390.0)
    out = forecast(five_minute_times(n), glucose)
    target, late = glucose[6:], slice(500, n - 6)  # after the mixture has learnt the subject
    mine = np.sqrt(np.mean((out[:-6][late] - target[late]) ** 2))
    hold = np.sqrt(np.mean((glucose[:-6][late] - target[late]) ** 2))
    assert mine <= 1.03 * hold


def test_one_noisy_low_reading_does_not_raise_predicted_low() -> None:
    # Steady at 100 mg/dL with one reading dragged down to 62 by sensor noise: the
    # forecast from that reading alone is low, the next reading's is not.
    glucose = np.full(40, 100.0)
    glucose[30] = 62.0
    times = five_minute_times(glucose.size)
    assert predicted_low(times, glucose, confirm_readings=1).flags[30]
    assert not predicted_low(times, glucose).flags.any()


def test_two_consecutive_low_forecasts_raise_predicted_low() -> None:
    glucose = np.full(40, 100.0)
    glucose[30:] = 62.0
    flags = predicted_low(five_minute_times(glucose.size), glucose).flags
    assert not flags[30]
    assert flags[31:].all()


def test_forecast_stays_within_the_sensor_range() -> None:
    glucose = np.r_[np.full(12, 120.0), 120.0 - 8.0 * np.arange(1, 10)]  # down to 48
    out = forecast(five_minute_times(glucose.size), glucose)
    assert np.nanmin(out) == 40.0
    rising = forecast(five_minute_times(glucose.size), 520.0 - glucose)  # up to 472 (HIGH)
    assert np.nanmax(rising) == 400.0


def test_fifteen_minute_targets_are_matched_within_three_minutes() -> None:
    # A 15-min sensor logging 3 s late: t + 30 min is 6 s from the reading two later.
    t_s = np.arange(10, dtype=np.float64) * (15 * 60.0 + 3.0)
    match = matched_reading(t_s, t_s + 1800.0)
    np.testing.assert_array_equal(match[:8], np.arange(2, 10))
    assert (match[8:] == -1).all()
    # a reading 4 min off the target time is not a target
    assert matched_reading(np.array([0.0, 2040.0]), np.array([1800.0]))[0] == -1


def test_gate_learns_from_fifteen_minute_jittered_targets() -> None:
    # Expert 0 forecasts the future reading exactly, expert 1 is 30 mg/dL off: once the
    # 15-min readings (logged 3 s late) release their errors, the weight goes to expert 0.
    n = 200
    t_s = np.arange(n, dtype=np.float64) * (15 * 60.0 + 3.0)
    g = 120.0 + 30.0 * np.sin(np.arange(n) / 5.0)
    future = np.r_[g[2:], np.nan, np.nan]
    preds = np.column_stack([future, future + 30.0])
    weights = gate_weights(t_s, g, preds, 1800.0)
    assert weights[0, 0] == pytest.approx(0.5)
    assert weights[-1, 0] > 0.99
