"""MAGE on gappy traces: segmentation at gaps, segment weights and segment ends.

Expected values are derived by hand from the rules in analytics.glycemic.mage (read
from iglu 4.3.0's mage_ma_single). The traces are triangle waves on the 5-minute grid
with 24 points up and 24 down: every interval between two moving-average crossings holds
exactly one vertex, so the turning points are the vertices and an excursion's height is
the wave's amplitude.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from analytics.glycemic.grid import DayGrid
from analytics.glycemic.mage import (
    LONG_MA_POINTS,
    SHORT_MA_POINTS,
    _crossings,
    _moving_mean,
    mage_ma,
)

POINTS_PER_DAY = 288


def _triangle(low: float, high: float, periods: int) -> np.ndarray:
    """``periods`` waves low -> high -> low, 48 grid points each, ending at ``low``."""
    up = np.linspace(low, high, 25)[:-1]
    down = np.linspace(high, low, 25)[:-1]
    return np.r_[np.tile(np.r_[up, down], periods), low]


def _grid(trace: np.ndarray) -> DayGrid:
    days = int(np.ceil((trace.size + 2) / POINTS_PER_DAY))
    flat = np.full(days * POINTS_PER_DAY, np.nan)
    flat[1 : 1 + trace.size] = trace  # missing points before and after are trimmed
    return DayGrid(flat.reshape(days, -1), dt.date(2024, 1, 1), 5, 0.0)


# A: 3 waves of amplitude 100 (145 points, 720 min). B: 2 waves of amplitude 60, then
# 5 h flat (157 points, 780 min): B's excursions per hour differ from A's, so weighting
# by duration and averaging over excursions give different answers.
A = _triangle(100.0, 200.0, 3)
B = np.r_[_triangle(100.0, 160.0, 2), np.full(60, 100.0)]


def test_each_segment_alone_is_its_amplitude() -> None:
    assert mage_ma(_grid(A)) == pytest.approx(100.0)
    assert mage_ma(_grid(B)) == pytest.approx(60.0)


def test_gap_longer_than_180_minutes_splits_and_weights_by_duration() -> None:
    # 37 missing points = 185 min > max_gap: two segments, weights 144 and 156 steps.
    trace = np.r_[A, np.full(37, np.nan), B]
    expected = (100.0 * 144 + 60.0 * 156) / (144 + 156)  # 79.2
    assert mage_ma(_grid(trace)) == pytest.approx(expected, rel=1e-12)


def test_gap_of_exactly_180_minutes_does_not_split() -> None:
    # 36 missing points = 180 min: one segment; its SD (about 29) is below 60, so all
    # 3 + 2 rises and 3 + 2 falls count, averaged over excursions.
    trace = np.r_[A, np.full(36, np.nan), B]
    expected = (3 * 100.0 + 2 * 60.0) / 5  # 84.0
    assert mage_ma(_grid(trace)) == pytest.approx(expected, rel=1e-12)


def test_excursion_under_way_at_the_segment_end_counts() -> None:
    # Two waves, then a rise from 100 to 190 that the record cuts off: MAGE+ averages
    # 100, 100 and 90; MAGE- has the two falls of 100.
    trace = np.r_[_triangle(100.0, 200.0, 2), np.linspace(100.0, 190.0, 19)[1:]]
    expected = (np.mean([100.0, 100.0, 90.0]) + 100.0) / 2
    assert mage_ma(_grid(trace)) == pytest.approx(expected, rel=1e-12)


def test_segment_shorter_than_the_long_moving_average_is_ignored() -> None:
    # After a 185-min gap, 20 points of wild swings: under 32 points, no value, no weight.
    trace = np.r_[A, np.full(37, np.nan), np.tile([80.0, 300.0], 10)]
    assert mage_ma(_grid(trace)) == pytest.approx(100.0)


def test_short_gap_inside_a_segment_changes_nothing_for_a_regular_wave() -> None:
    # 10 missing points (50 min) at a vertex-free stretch of A: the moving averages skip
    # them, the crossings on both sides are found, and the turning points are unchanged.
    trace = A.copy()
    trace[30:40] = np.nan  # on the falling side of the first wave, vertices at 24 and 48
    assert mage_ma(_grid(trace)) == pytest.approx(100.0)


# After a gap of 36 missing points (180 min, not split), the first readings are the only
# values in both the 5-point and the 32-point windows: for grid points 76..80 both
# windows hold exactly the readings 76..j (the long window reaches back to 45..49, all
# missing). iglu's means of the same readings are the same number, so the difference is
# exactly 0 there and no crossing is found. The readings are chosen so that summing
# them in another order rounds differently (0.1 + 0.7 + 0.3 ... is not associative).
POST_GAP = np.array([100.1, 100.7, 100.3, 100.9, 100.2, 100.6, 100.4, 100.8])
TIED = slice(76, 81)


def _gap_then_post_gap() -> np.ndarray:
    return np.r_[np.linspace(90.0, 130.0, 40), np.full(36, np.nan), POST_GAP]


def test_moving_means_of_the_same_readings_are_identical_after_a_gap() -> None:
    trace = _gap_then_post_gap()
    delta = _moving_mean(trace, SHORT_MA_POINTS) - _moving_mean(trace, LONG_MA_POINTS)
    assert (delta[TIED] == 0.0).all()
    # by hand: at point 78 both windows hold readings 76, 77, 78
    assert _moving_mean(trace, LONG_MA_POINTS)[78] == pytest.approx(np.mean(POST_GAP[:3]))
    assert delta[81] != 0.0  # from point 81 on the short window has dropped reading 76


def test_a_zero_difference_after_a_gap_is_no_crossing() -> None:
    trace = _gap_then_post_gap()
    delta = _moving_mean(trace, SHORT_MA_POINTS) - _moving_mean(trace, LONG_MA_POINTS)
    crossing_points = {i for i, _ in _crossings(trace, delta)[1:-1]}
    assert not crossing_points & set(range(TIED.start, TIED.stop))


def test_moving_mean_is_computed_like_r_mean() -> None:
    # Exact mean 1078.2 / 5 = 215.64. R's mean (extended-precision sum, then the mean
    # residual added) returns the double nearest to it; a plain double sum in order
    # rounds to 215.64000000000001.
    values = np.array([333.7, 41.0, 348.7, 52.1, 302.7])
    plain = ((((values[0] + values[1]) + values[2]) + values[3]) + values[4]) / 5
    assert plain != 215.64
    assert _moving_mean(values, 5)[4] == 215.64
