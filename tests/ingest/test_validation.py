"""Per-reading rules of docs/privacy.md "Ingestion hygiene", judged without a database."""

from __future__ import annotations

import datetime as dt
import math
import uuid

import pytest

from ingest.validation import Rejection, TimeWindow, ValidReading, check_reading

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
WINDOW = TimeWindow(NOW, future_tolerance_s=300, buffer_window_days=7)
DEVICE = str(uuid.uuid4())


def judge(**overrides: object) -> ValidReading | Rejection:
    fields: dict[str, object] = {
        "device_id": DEVICE,
        "metric": "heart_rate",
        "measured_at": NOW,
        "value": 72.0,
        "unit": "/min",
        "flags": [],
    }
    fields.update(overrides)
    return check_reading(3, window=WINDOW, **fields)  # type: ignore[arg-type]


def rejected_field(verdict: ValidReading | Rejection) -> str:
    assert isinstance(verdict, Rejection), verdict
    assert verdict.index == 3
    return verdict.field


def test_a_plausible_reading_is_valid() -> None:
    verdict = judge()
    assert verdict == ValidReading(uuid.UUID(DEVICE), "heart_rate", NOW, 72.0, "/min", ())


@pytest.mark.parametrize(
    ("metric", "unit", "low", "high"),
    [
        ("heart_rate", "/min", 20, 250),
        ("rr_interval", "ms", 200, 3000),
        ("glucose", "mg/dL", 40, 400),
        ("battery", "%", 0, 100),
    ],
)
def test_plausibility_bounds_are_inclusive(metric: str, unit: str, low: float, high: float) -> None:
    for value in (low, high):
        assert isinstance(judge(metric=metric, unit=unit, value=float(value)), ValidReading)
    for value in (low - 0.5, high + 0.5):
        assert rejected_field(judge(metric=metric, unit=unit, value=float(value))) == "value"


def test_the_hrm_spec_vector_of_300_bpm_is_rejected() -> None:
    # docs/ble.md: `01 2c01` = 300 bpm, "a value the ingest API must then reject".
    verdict = judge(value=300.0)
    assert rejected_field(verdict) == "value"
    assert "20-250" in verdict.reason  # type: ignore[union-attr]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_rejected(value: float) -> None:
    assert rejected_field(judge(value=value)) == "value"


def test_naive_timestamps_are_rejected() -> None:
    assert rejected_field(judge(measured_at=NOW.replace(tzinfo=None))) == "measured_at"


def test_more_than_five_minutes_ahead_is_rejected_but_five_is_not() -> None:
    assert isinstance(judge(measured_at=NOW + dt.timedelta(seconds=300)), ValidReading)
    assert rejected_field(judge(measured_at=NOW + dt.timedelta(seconds=301))) == "measured_at"


def test_older_than_the_buffer_window_is_rejected() -> None:
    assert isinstance(judge(measured_at=NOW - dt.timedelta(days=6, hours=23)), ValidReading)
    assert rejected_field(judge(measured_at=NOW - dt.timedelta(days=7, seconds=1))) == "measured_at"


def test_unknown_metric_unit_and_flag_are_each_named() -> None:
    assert rejected_field(judge(metric="spo2")) == "metric"
    assert rejected_field(judge(unit="bpm")) == "unit"
    assert rejected_field(judge(flags=["sparkly"])) == "flags"
    assert rejected_field(judge(device_id="not-a-uuid")) == "device_id"


def test_censored_glucose_is_stored_without_a_number() -> None:
    low = judge(metric="glucose", unit="mg/dL", value=None, flags=["censored_low"])
    assert isinstance(low, ValidReading)
    assert low.value is None
    assert (
        rejected_field(judge(metric="glucose", unit="mg/dL", value=39.0, flags=["censored_low"]))
        == "value"
    )
    assert rejected_field(judge(metric="glucose", unit="mg/dL", value=None)) == "value"
    assert rejected_field(judge(value=None, flags=["censored_high"])) == "value"


def test_glucose_outside_the_sensor_range_must_be_sent_censored() -> None:
    verdict = judge(metric="glucose", unit="mg/dL", value=39.0)
    assert rejected_field(verdict) == "value"
    assert "censored_low" in verdict.reason  # type: ignore[union-attr]
