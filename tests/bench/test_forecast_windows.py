"""bench.forecast scores 15-min sensors: targets are the readings within 3 min of t + h."""

from __future__ import annotations

import numpy as np

from bench._cgm_data import Subject
from bench.forecast import damped_trend, windows


def test_fifteen_minute_jittered_readings_form_windows() -> None:
    # Libre-like: every 15 min, each reading logged 3 s later than the last.
    n = 12
    t_s = np.arange(n) * (15 * 60.0 + 3.0)
    s = Subject(t_s, 100.0 + np.arange(n, dtype=float), 15)
    w = windows(s, 30)
    # history t - 15, t (2 readings), target 2 readings on: readings 1 .. n - 3
    np.testing.assert_array_equal(w.reading, np.arange(1, n - 2))
    np.testing.assert_array_equal(w.y, s.gl[w.reading + 2])
    np.testing.assert_array_equal(w.x[:, -1], s.gl[w.reading])
    # y(t) + 0.5 (y(t) - y(t - 15 min)) at 30 min
    np.testing.assert_allclose(damped_trend(w, 30), s.gl[w.reading] + 0.5)


def test_a_target_more_than_three_minutes_off_is_not_scored() -> None:
    t_s = np.array([0.0, 900.0, 1800.0 + 240.0, 2700.0])  # third reading 4 min late
    s = Subject(t_s, np.array([100.0, 101.0, 102.0, 103.0]), 15)
    w = windows(s, 30)
    assert 0 not in w.reading  # its target (t + 30 min) has no reading within 3 min
    assert w.reading.tolist() == [1]  # 900 s + 30 min = 2700 s, history 0 s and 900 s
