"""Feeds for the virtual BLE wearables."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import islice

import numpy as np
import pytest

from simulators.physiology import (
    CgmParams,
    GlucoseModel,
    GlucoseParams,
    HeartModel,
    HeartParams,
    MealPlan,
    ParameterError,
    cgm_feed,
    first_reading_s,
    heart_feed,
)
from tests.simulators.physiology.helpers import SEOUL_MIDNIGHT_S


def test_heart_feed_equals_one_generation_whatever_the_chunk() -> None:
    model = HeartModel(HeartParams(), seed=21)
    trace = model.generate(SEOUL_MIDNIGHT_S, 1800.0)
    for chunk_s in (7.0, 600.0):
        beats = list(islice(heart_feed(model, SEOUL_MIDNIGHT_S, chunk_s), len(trace)))
        assert [b.rr_ms for b in beats] == trace.rr_ms.tolist()
        assert [b.contact for b in beats] == trace.contact.tolist()
        assert [b.hr_bpm for b in beats] == np.rint(trace.hr_bpm).astype(int).tolist()


def test_cgm_feed_offsets_are_whole_five_minute_steps_from_session_start() -> None:
    model = GlucoseModel(GlucoseParams(), seed=22)
    start = first_reading_s(model, SEOUL_MIDNIGHT_S)
    readings = list(islice(cgm_feed(model, start, chunk_s=3600.0), 300))
    assert [r.offset_min for r in readings] == list(range(0, 1500, 5))
    assert start - SEOUL_MIDNIGHT_S < 300.0


def test_cgm_feed_matches_the_trace_and_adds_a_fifteen_minute_trend() -> None:
    model = GlucoseModel(GlucoseParams(cgm=CgmParams(dropout_rate=0.0)), seed=23)
    start = first_reading_s(model, SEOUL_MIDNIGHT_S)
    trace = model.generate(start, 3600.0)
    readings = list(islice(cgm_feed(model, start), 12))
    assert [r.glucose_mg_dl for r in readings] == trace.glucose_mg_dl.tolist()
    assert readings[2].trend_mg_dl_min is None
    expected = (trace.glucose_mg_dl[5] - trace.glucose_mg_dl[2]) / 15.0
    assert readings[5].trend_mg_dl_min == pytest.approx(expected)


def test_cgm_feed_marks_out_of_range_readings_as_infinite() -> None:
    feast = replace(
        GlucoseParams(), basal_glucose_mg_dl=250.0, meals=MealPlan(carbs_g=(150.0,) * 3)
    )
    model = GlucoseModel(feast, seed=24)
    readings = list(islice(cgm_feed(model, first_reading_s(model, SEOUL_MIDNIGHT_S)), 288))
    assert any(math.isinf(r.glucose_mg_dl) and r.glucose_mg_dl > 0 for r in readings)
    finite = [r.glucose_mg_dl for r in readings if math.isfinite(r.glucose_mg_dl)]
    assert all(40.0 <= v <= 400.0 for v in finite)


def test_non_positive_chunk_raises_parameter_error() -> None:
    with pytest.raises(ParameterError, match="chunk_s"):
        next(heart_feed(HeartModel(HeartParams(), seed=1), SEOUL_MIDNIGHT_S, 0.0))
