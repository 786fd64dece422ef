"""The participant report's glucose summary on data the metrics cannot use."""

from __future__ import annotations

import datetime as dt

from ingest.clinical.report import glucose_summary

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)


def test_hourly_glucose_is_reported_unavailable_not_an_error() -> None:
    # A sensor read once an hour for two days: wider than the 45-min gap the consensus
    # grid interpolates over, so no metric or AGP can be computed from it.
    times = [NOW - dt.timedelta(hours=h) for h in range(48, 0, -1)]
    summary = glucose_summary(times, [120.0] * len(times), [0] * len(times), "Asia/Seoul", NOW)
    assert summary["metrics"] is None
    assert summary["agp"] is None
    assert "45" in str(summary["unavailable"])
    assert summary["sufficiency"]["sufficient"] is False  # type: ignore[index]


def test_five_minute_glucose_has_metrics() -> None:
    times = [NOW - dt.timedelta(minutes=5 * k) for k in range(288 * 2, 0, -1)]
    summary = glucose_summary(times, [120.0] * len(times), [0] * len(times), "Asia/Seoul", NOW)
    assert summary["metrics"] is not None
    assert "unavailable" not in summary
