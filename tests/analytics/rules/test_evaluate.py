"""evaluate_participant: all rules together, ordering, input checks, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.rules import (
    DeviceKind,
    DeviceStatus,
    ParticipantWindow,
    RuleInputError,
    evaluate_participant,
)
from tests.analytics.rules.conftest import T0, cgm, heart, last_time, window


def test_findings_are_sorted_by_onset() -> None:
    parts = heart([(600, 70), (900, 130), (600, 70), (900, 45)])
    w = window(**parts, **cgm([110.0] * 6 + [60.0] * 4 + [110.0] * 6))
    findings = evaluate_participant(w, None, now_s=last_time(w))
    assert {"hypo_level1", "tachycardia", "bradycardia"} <= {f.rule_id for f in findings}
    assert [f.onset_s for f in findings] == sorted(f.onset_s for f in findings)


def test_empty_window_raises_only_technical_findings() -> None:
    w = window(devices=(DeviceStatus("hr-1", DeviceKind("hr"), None),), gateway_id="gw")
    findings = evaluate_participant(w, None, now_s=T0 + 3600)
    assert {f.rule_id for f in findings} == {"stale_device", "gateway_offline"}
    assert {f.kind.value for f in findings} == {"technical"}


def test_now_before_window_start_is_refused() -> None:
    with pytest.raises(RuleInputError, match="now_s"):
        evaluate_participant(window(), None, now_s=T0 - 1)


def test_unsorted_times_are_refused() -> None:
    with pytest.raises(RuleInputError, match="sorted"):
        ParticipantWindow(
            start_s=T0, hr_times_s=np.array([T0 + 2, T0 + 1]), hr_bpm=np.array([70.0, 71.0])
        )


def test_non_finite_values_are_refused() -> None:
    with pytest.raises(RuleInputError, match="finite"):
        ParticipantWindow(start_s=T0, cgm_times_s=np.array([T0]), cgm_mg_dl=np.array([np.nan]))


def test_battery_outside_0_100_is_refused() -> None:
    with pytest.raises(RuleInputError, match="battery_pct"):
        DeviceStatus("hr-1", "hr", T0, battery_pct=120.0)  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(30, 900), st.floats(50.0, 120.0)), min_size=1, max_size=8))
def test_heart_rate_within_50_to_120_never_raises_a_rate_finding(
    segments: list[tuple[int, float]],
) -> None:
    w = window(**heart([(float(d), bpm) for d, bpm in segments]))
    findings = evaluate_participant(w, None, now_s=last_time(w))
    assert not {f.rule_id for f in findings} & {"tachycardia", "bradycardia"}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(60, 1200), st.floats(35.0, 180.0)), min_size=1, max_size=6),
    st.floats(0.0, 3600.0),
)
def test_findings_lie_inside_the_window(segments: list[tuple[int, float]], lag_s: float) -> None:
    w = window(**heart([(float(d), bpm) for d, bpm in segments]))
    now = last_time(w) + lag_s
    for f in evaluate_participant(w, None, now_s=now):
        assert T0 <= f.onset_s <= now
        assert f.end_s is None or f.onset_s <= f.end_s <= now


@pytest.mark.parametrize(
    "parts",
    [
        {"cgm_times_s": [T0], "cgm_mg_dl": [45.0]},
        {"hr_times_s": [T0], "hr_bpm": [180.0]},
        {"rr_times_s": [T0 + 1.0], "rr_ms": [1000.0]},
        {"rr_times_s": T0 + np.arange(1.0, 100.0), "rr_ms": np.full(99, 120.0)},
    ],
    ids=["one_cgm_reading", "one_hr_sample", "one_rr_interval", "only_artefacts"],
)
def test_too_little_data_raises_no_finding_and_no_error(parts: dict) -> None:
    assert evaluate_participant(window(**parts), None, now_s=T0 + 200.0) == []
