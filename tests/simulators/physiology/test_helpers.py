"""The test helpers themselves, against hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from tests.simulators.physiology.helpers import local_hours, longest_run_s, rmssd_ms

TIMES = np.array([0.0, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0, 14.0])


def test_longest_run_is_broken_by_a_false_sample() -> None:
    condition = np.array([1, 1, 1, 0, 1, 1, 1, 1, 1], dtype=bool)
    assert longest_run_s(TIMES, condition, max_step_s=1.5) == 4.0


def test_longest_run_is_broken_by_a_long_step() -> None:
    condition = np.array([1, 1, 1, 1, 1, 1, 0, 1, 1], dtype=bool)
    assert longest_run_s(TIMES, condition, max_step_s=1.5) == 3.0
    assert longest_run_s(TIMES, condition, max_step_s=10.0) == 11.0


def test_longest_run_of_nothing_is_zero() -> None:
    assert longest_run_s(TIMES, np.zeros(TIMES.size, dtype=bool), max_step_s=1.0) == 0.0


def test_rmssd_of_alternating_intervals() -> None:
    assert rmssd_ms(np.array([800.0, 850.0, 800.0, 850.0])) == pytest.approx(50.0)


def test_local_hours_of_seoul_midnight_is_zero() -> None:
    assert local_hours(np.array([1_767_193_200.0]))[0] == 0.0
