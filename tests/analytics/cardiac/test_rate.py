"""Sustained rate rules: 10-minute tachy/bradycardia, spikes, coverage gate, severity."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.cardiac import (
    RateKind,
    RateThresholds,
    detect_rate_episodes,
    hr_from_rr,
)
from analytics.clinical_constants import Severity
from analytics.errors import CardiacInputError

T = np.arange(0.0, 3600.0)  # one hour at 1 Hz


def _with_block(value: float, start_s: float, minutes: float, base: float = 70.0) -> np.ndarray:
    return np.where((start_s <= T) & (start_s + 60 * minutes > T), value, base)


def test_ten_minutes_above_120_is_medium_tachycardia() -> None:
    (ep,) = detect_rate_episodes(T, _with_block(130.0, 600.0, 11))
    assert (ep.kind, ep.severity) == (RateKind.TACHYCARDIA, Severity.MEDIUM)
    assert (ep.onset_s, ep.end_s, ep.worst_bpm) == (600.0, 1259.0, 130.0)


def test_nine_minutes_raise_nothing() -> None:
    assert detect_rate_episodes(T, _with_block(130.0, 600.0, 9)) == []


def test_isolated_spikes_raise_nothing() -> None:
    hr = np.full(T.size, 70.0)
    hr[::30] = 200.0  # a spike every 30 s for an hour
    assert detect_rate_episodes(T, hr) == []


def test_dense_spike_train_raises_nothing() -> None:
    hr = np.full(T.size, 70.0)
    hr[::3] = 180.0  # one sample in three above threshold for an hour
    assert detect_rate_episodes(T, hr) == []


def test_sustained_above_150_is_high() -> None:
    (ep,) = detect_rate_episodes(T, _with_block(160.0, 0.0, 12))
    assert ep.severity is Severity.HIGH
    assert ep.worst_bpm == 160.0


def test_brief_excursion_above_150_stays_medium() -> None:
    hr = _with_block(130.0, 0.0, 20)
    hr[300:420] = 170.0  # two minutes above 150 inside a 20-minute tachycardia
    (ep,) = detect_rate_episodes(T, hr)
    assert ep.severity is Severity.MEDIUM
    assert ep.worst_bpm == 170.0


def test_below_50_is_medium_and_below_40_high_bradycardia() -> None:
    (medium,) = detect_rate_episodes(T, _with_block(45.0, 0.0, 15))
    (high,) = detect_rate_episodes(T, _with_block(35.0, 0.0, 15))
    assert (medium.kind, medium.severity) == (RateKind.BRADYCARDIA, Severity.MEDIUM)
    assert (high.kind, high.severity, high.worst_bpm) == (
        RateKind.BRADYCARDIA,
        Severity.HIGH,
        35.0,
    )


def test_no_alert_when_coverage_is_below_80_percent() -> None:
    hr = _with_block(130.0, 0.0, 20)
    keep = ~((T >= 300) & (T < 600))  # 5 of 20 minutes missing: 75 % coverage
    assert detect_rate_episodes(T[keep], hr[keep]) == []


def test_alert_when_coverage_is_above_80_percent() -> None:
    hr = _with_block(130.0, 0.0, 20)
    keep = ~((T >= 300) & (T < 420))  # 2 of 20 minutes missing: 90 % coverage
    (ep,) = detect_rate_episodes(T[keep], hr[keep])
    assert ep.coverage == pytest.approx(0.9, abs=0.01)


def test_nan_samples_count_as_missing() -> None:
    hr = _with_block(130.0, 0.0, 20)
    hr[300:600] = np.nan
    assert detect_rate_episodes(T, hr) == []


def test_brief_dip_does_not_split_an_episode() -> None:
    hr = _with_block(130.0, 0.0, 12)
    hr[350:360] = 110.0  # ten seconds below the threshold
    (ep,) = detect_rate_episodes(T, hr)
    assert ep.duration_s == pytest.approx(719.0)


def test_long_dip_splits_into_short_runs_that_raise_nothing() -> None:
    hr = _with_block(130.0, 0.0, 12)
    hr[300:420] = 110.0  # two minutes below the threshold
    assert detect_rate_episodes(T, hr) == []


def test_thresholds_are_parameters() -> None:
    custom = RateThresholds(tachy_medium_bpm=100.0, min_duration_s=300.0)
    (ep,) = detect_rate_episodes(T, _with_block(110.0, 0.0, 6), custom)
    assert ep.kind is RateKind.TACHYCARDIA


def test_inconsistent_thresholds_raise() -> None:
    with pytest.raises(CardiacInputError, match="tachy_medium"):
        RateThresholds(tachy_medium_bpm=160.0)


def test_episodes_come_in_time_order() -> None:
    hr = _with_block(130.0, 2400.0, 15, base=70.0)
    hr[:900] = 45.0
    kinds = [ep.kind for ep in detect_rate_episodes(T, hr)]
    assert kinds == [RateKind.BRADYCARDIA, RateKind.TACHYCARDIA]


def test_rr_series_drives_the_same_rules() -> None:
    rr = np.r_[np.full(600, 1000.0), np.full(1400, 450.0)]  # 10.5 min at 133 bpm
    times, hr = hr_from_rr(rr)
    (ep,) = detect_rate_episodes(times, hr)
    assert ep.kind is RateKind.TACHYCARDIA
    assert ep.worst_bpm == pytest.approx(60000 / 450)


def test_hr_from_rr_drops_artefacts() -> None:
    times, hr = hr_from_rr([1000.0, 150.0, 500.0])
    assert hr.tolist() == [60.0, 120.0]
    assert times.tolist() == [1.0, 1.65]


def test_mismatched_lengths_raise_naming_times() -> None:
    with pytest.raises(CardiacInputError, match="times_s"):
        detect_rate_episodes([0.0, 1.0], [70.0, 71.0, 72.0])


def test_unsorted_times_raise() -> None:
    with pytest.raises(CardiacInputError, match="non-decreasing"):
        detect_rate_episodes([0.0, 2.0, 1.0], [70.0, 71.0, 72.0])
