"""HRV per window: closed-form values, NeuroKit2 cross-check, NN selection, vectorisation."""

from __future__ import annotations

import itertools

import neurokit2 as nk
import numpy as np
import pytest
from numpy.testing import assert_allclose

from analytics.cardiac import hrv_by_group, hrv_windows, sample_entropy
from analytics.errors import CardiacInputError


def _nn_series(seed: int, n: int = 300) -> np.ndarray:
    """Sinus-like NN: respiratory modulation plus noise, whole milliseconds."""
    rng = np.random.default_rng(seed)
    return np.round(800 + 50 * np.sin(np.arange(n) / 4.0) + rng.normal(0, 25, n))


def _brute_sampen(x: np.ndarray, m: int, r: float) -> float:
    """Literal Richman & Moorman definition, independent of the vectorised code."""
    n = len(x) - m
    b = a = 0
    for i, j in itertools.combinations(range(n), 2):
        if max(abs(x[i + k] - x[j + k]) for k in range(m)) <= r:
            b += 1
            a += abs(x[i + m] - x[j + m]) <= r
    return float(np.log(b / a))


def test_alternating_series_has_closed_form_values() -> None:
    rr = np.tile([1000.0, 1060.0], 100)
    h = hrv_by_group(rr, np.zeros(200, int), normal=np.ones(200, bool), sampen=False)
    assert_allclose(h.mean_nn_ms, [1030.0])
    assert_allclose(h.sdnn_ms, [30.0 * np.sqrt(200 / 199)])
    assert_allclose(h.rmssd_ms, [60.0])
    assert_allclose(h.pnn50_pct, [100.0 * 199 / 200])  # denominator: NN intervals


def test_nn50_counts_differences_strictly_above_50_ms() -> None:
    rr = np.tile([1000.0, 1050.0], 50)
    h = hrv_by_group(rr, np.zeros(100, int), normal=np.ones(100, bool), sampen=False)
    assert_allclose(h.pnn50_pct, [0.0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_time_domain_matches_neurokit2(seed: int) -> None:
    rr = _nn_series(seed)
    peaks = np.r_[0, np.cumsum(rr)].astype(int)
    ref = nk.hrv_time(peaks, sampling_rate=1000)
    h = hrv_by_group(rr, np.zeros(rr.size, int), normal=np.ones(rr.size, bool), sampen=False)
    assert_allclose(h.mean_nn_ms, ref["HRV_MeanNN"], rtol=1e-9)
    assert_allclose(h.sdnn_ms, ref["HRV_SDNN"], rtol=1e-9)
    assert_allclose(h.rmssd_ms, ref["HRV_RMSSD"], rtol=1e-9)
    assert_allclose(h.pnn50_pct, ref["HRV_pNN50"], rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sample_entropy_matches_neurokit2(seed: int) -> None:
    rr = _nn_series(seed)
    ref, _ = nk.entropy_sample(rr, dimension=2, tolerance=0.2 * np.std(rr, ddof=1))
    assert_allclose(sample_entropy(rr), ref, rtol=1e-9)


def test_sample_entropy_matches_the_literal_definition() -> None:
    x = _nn_series(7, n=80)
    r = 0.2 * np.std(x, ddof=1)
    assert_allclose(sample_entropy(x, m=2, r=r), _brute_sampen(x, 2, r), rtol=1e-12)


def test_sample_entropy_of_a_periodic_series_is_zero() -> None:
    assert sample_entropy(np.tile([800.0, 900.0, 850.0], 40)) == pytest.approx(0.0)


def test_sample_entropy_is_nan_when_undefined() -> None:
    assert np.isnan(sample_entropy([800.0, 800.0, 800.0, 800.0]))  # SD 0
    assert np.isnan(sample_entropy([800.0, 900.0]))  # too short


def test_random_series_has_higher_entropy_than_sinus() -> None:
    rng = np.random.default_rng(5)
    sinus = 800 + 50 * np.sin(np.arange(300) / 4.0) + rng.normal(0, 5, 300)
    assert sample_entropy(rng.uniform(400, 1000, 300)) > sample_entropy(sinus) + 0.5


def test_ectopic_beats_are_excluded_from_rmssd() -> None:
    clean = np.tile([800.0, 820.0], 60)
    with_ectopy = clean.copy()
    with_ectopy[30], with_ectopy[31] = 500.0, 1140.0
    h_clean = hrv_windows(clean, window_s=300.0, sampen=False)
    h_ecto = hrv_windows(with_ectopy, window_s=300.0, sampen=False)
    assert_allclose(h_ecto.rmssd_ms, h_clean.rmssd_ms)
    assert h_ecto.n_nn[0] == h_clean.n_nn[0] - 2


def test_differences_do_not_cross_lost_beats() -> None:
    rr = np.tile([800.0, 820.0], 50)
    rr[50:] += 300.0  # the rate changed during the gap: a 300-ms jump if differenced
    times = np.cumsum(rr) / 1000.0
    times[50:] += 5.0  # five seconds of lost beats before interval 50
    h = hrv_windows(rr, times_s=times, window_s=600.0, sampen=False, normal=np.ones(100, bool))
    assert_allclose(h.rmssd_ms, [20.0])


def test_windows_split_a_record_every_five_minutes() -> None:
    rr = np.r_[np.full(300, 1000.0), np.tile([600.0, 640.0], 250)]
    h = hrv_windows(rr, sampen=False)
    assert_allclose(h.start_s, [0.0, 300.0, 600.0])
    assert_allclose(h.mean_nn_ms[0], 1000.0)
    assert_allclose(h.rmssd_ms[[0, 2]], [0.0, 40.0])


def test_windows_report_their_coverage() -> None:
    rr = np.full(1000, 1000.0)
    rr[100:130] = 5000.0  # 30 dropouts of 5 s (impossible intervals) in the first window
    h = hrv_windows(rr, sampen=False)
    assert h.coverage[0] == pytest.approx(0.5)
    assert h.coverage[1] == pytest.approx(1.0)


def test_grouped_computation_equals_per_participant_loop() -> None:
    series = [_nn_series(s, n=200 + 37 * s) for s in range(4)]
    rr = np.concatenate(series)
    group = np.concatenate([np.full(x.size, i) for i, x in enumerate(series)])
    succ = np.concatenate([np.r_[False, np.ones(x.size - 1, bool)] for x in series])
    together = hrv_by_group(rr, group, normal=np.ones(rr.size, bool), successive=succ)
    for i, x in enumerate(series):
        alone = hrv_by_group(x, np.zeros(x.size, int), normal=np.ones(x.size, bool))
        assert_allclose(together.rmssd_ms[i], alone.rmssd_ms[0])
        assert_allclose(together.sdnn_ms[i], alone.sdnn_ms[0])
        assert_allclose(together.sampen[i], alone.sampen[0])


def test_faster_heart_with_less_modulation_has_lower_rmssd() -> None:
    slow = 1000 + 60 * np.sin(np.arange(300) / 4.0)
    fast = 500 + 10 * np.sin(np.arange(600) / 4.0)
    assert hrv_windows(fast, sampen=False).rmssd_ms[0] < hrv_windows(slow, sampen=False).rmssd_ms[0]


def test_group_labels_must_be_non_negative_integers() -> None:
    with pytest.raises(CardiacInputError, match="group"):
        hrv_by_group([800.0, 810.0], [0.5, 1.5])
