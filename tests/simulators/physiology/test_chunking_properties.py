"""Property: any split of an interval into two calls reproduces the single call."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from simulators.physiology import GlucoseModel, HeartModel, get_scenario
from tests.simulators.physiology.helpers import DAY_S, SEOUL_MIDNIGHT_S

HEART = HeartModel(get_scenario("paroxysmal_af").heart, seed=31)
GLUCOSE = GlucoseModel(get_scenario("noisy_sensor").glucose, seed=32)
offsets = st.floats(min_value=0.0, max_value=DAY_S, allow_nan=False)
fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=15, deadline=None)
@given(offset_s=offsets, length_s=st.floats(1.0, 1800.0), cut=fractions)
def test_heart_split_anywhere_equals_one_call(offset_s: float, length_s: float, cut: float) -> None:
    start = SEOUL_MIDNIGHT_S + offset_s
    whole = HEART.generate(start, length_s)
    head = HEART.generate(start, cut * length_s)
    tail = HEART.generate(start + cut * length_s, length_s - cut * length_s)
    assert_array_equal(whole.beat_s, np.concatenate([head.beat_s, tail.beat_s]))
    assert_array_equal(whole.hr_bpm, np.concatenate([head.hr_bpm, tail.hr_bpm]))


@settings(max_examples=15, deadline=None)
@given(offset_s=offsets, length_s=st.floats(300.0, 2 * DAY_S), cut=fractions)
def test_glucose_split_anywhere_equals_one_call(
    offset_s: float, length_s: float, cut: float
) -> None:
    start = SEOUL_MIDNIGHT_S + offset_s
    whole = GLUCOSE.generate(start, length_s)
    head = GLUCOSE.generate(start, cut * length_s)
    tail = GLUCOSE.generate(start + cut * length_s, length_s - cut * length_s)
    assert_array_equal(whole.time_s, np.concatenate([head.time_s, tail.time_s]))
    assert_array_equal(
        whole.glucose_mg_dl, np.concatenate([head.glucose_mg_dl, tail.glucose_mg_dl])
    )
