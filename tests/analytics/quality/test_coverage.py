"""Coverage per window: grid alignment, exact union coverage, beats and samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from analytics.quality import (
    QualityInputError,
    beat_coverage,
    covered_before,
    covered_seconds,
    sample_coverage,
    window_grid,
)

T0 = 1_767_225_600.0  # 2026-01-01T00:00Z, a multiple of 300 s


def _union_length_brute(intervals: list[tuple[float, float]], a: float, b: float) -> float:
    """Independent reference: merge sorted intervals in plain Python, clip to [a, b]."""
    total = 0.0
    cur_s: float = 0.0
    cur_e: float | None = None
    for s, e in sorted(intervals):
        s, e = max(s, a), min(e, b)
        if e <= s:
            continue
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def test_windows_align_to_epoch_multiples_and_clip_to_the_span() -> None:
    g = window_grid(T0 + 100.0, T0 + 1000.0)
    assert_allclose(g.start_s - T0, [100.0, 300.0, 600.0, 900.0])
    assert_allclose(g.end_s - T0, [300.0, 600.0, 900.0, 1000.0])


def test_empty_span_gives_no_windows() -> None:
    assert window_grid(T0, T0).start_s.size == 0


def test_index_marks_times_outside_the_span() -> None:
    g = window_grid(T0, T0 + 600.0)
    assert g.index(np.array([T0 - 1, T0, T0 + 299, T0 + 300, T0 + 600, T0 + 601])).tolist() == [
        -1,
        0,
        0,
        1,
        1,
        2,
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 900.0), st.floats(0.0, 200.0)), min_size=0, max_size=30))
def test_covered_seconds_matches_a_brute_force_union(pairs: list[tuple[float, float]]) -> None:
    intervals = [(s, s + d) for s, d in pairs]
    g = window_grid(0.0, 1000.0, window_s=300.0)
    got = covered_seconds([s for s, _ in intervals], [e for _, e in intervals], g)
    want = [_union_length_brute(intervals, a, b) for a, b in zip(g.start_s, g.end_s, strict=True)]
    assert_allclose(got, want, atol=1e-9)


def test_covered_before_is_cumulative_union_length() -> None:
    assert covered_before([0.0, 5.0], [10.0, 12.0], [5.0, 11.0, 20.0]).tolist() == [5.0, 11.0, 12.0]


def test_inverted_interval_is_refused() -> None:
    with pytest.raises(QualityInputError, match="end_s >= start_s"):
        covered_before([1.0], [0.0], [0.5])


def test_240_one_second_beats_cover_80_percent_of_five_minutes() -> None:
    t = T0 + np.arange(1.0, 241.0)
    cov = beat_coverage(t, np.full(240, 1000.0), window_grid(T0, T0 + 300.0))
    assert_allclose(cov.fraction, [0.8])


def test_artefact_beats_do_not_cover() -> None:
    rr = np.r_[np.full(60, 150.0), np.full(240, 1000.0)]  # 150 ms: artefacts (< 200 ms)
    t = T0 + np.cumsum(rr) / 1000.0
    cov = beat_coverage(t, rr, window_grid(T0, T0 + 300.0))
    assert_allclose(cov.covered_s, [240.0])


def test_partial_window_is_judged_on_its_elapsed_part() -> None:
    t = T0 + np.arange(1.0, 61.0)
    cov = beat_coverage(t, np.full(60, 1000.0), window_grid(T0, T0 + 60.0))
    assert_allclose(cov.fraction, [1.0])


def test_cgm_readings_cover_their_sampling_period() -> None:
    g = window_grid(T0, T0 + 3600.0, window_s=3600.0)
    cov = sample_coverage(T0 + np.arange(0.0, 1800.0, 300.0), g, hold_s=300.0)
    assert_allclose(cov.fraction, [0.5])


def test_sample_hold_limits_what_one_sample_covers() -> None:
    g = window_grid(T0, T0 + 300.0)
    cov = sample_coverage(T0 + np.arange(0.0, 300.0, 20.0), g, hold_s=10.0)
    assert_allclose(cov.fraction, [0.5])


def test_unsorted_beat_times_are_refused() -> None:
    with pytest.raises(QualityInputError, match="sorted"):
        beat_coverage([T0 + 2, T0 + 1], [1000.0, 1000.0], window_grid(T0, T0 + 300.0))
