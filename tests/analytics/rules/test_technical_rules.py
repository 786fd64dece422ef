"""stale_device, gateway_offline and battery_low: limits, severities and the failing hop."""

from __future__ import annotations

from typing import Any

import pytest

from analytics.rules import (
    DeviceStatus,
    FindingKind,
    Hop,
    Severity,
    Thresholds,
    evaluate_participant,
)
from tests.analytics.rules.conftest import T0, window

NOW = T0 + 6 * 3600


def _run(rule_id: str, thresholds: Thresholds | None = None, **parts: Any) -> list:
    w = window(**parts)
    return [f for f in evaluate_participant(w, thresholds, now_s=NOW) if f.rule_id == rule_id]


def _hr(last_seen_s: float | None, **kw: object) -> DeviceStatus:
    return DeviceStatus("hr-1", "hr", last_seen_s, **kw)  # type: ignore[arg-type]


def _gateway_ok() -> dict[str, Any]:
    return {"gateway_id": "gw-1", "gateway_heartbeat_s": NOW - 30.0}


@pytest.mark.parametrize(("kind", "limit_min"), [("hr", 15.0), ("cgm", 30.0)])
def test_stale_device_fires_just_past_its_limit(kind: str, limit_min: float) -> None:
    silent = DeviceStatus("d", kind, NOW - 60 * limit_min - 1)  # type: ignore[arg-type]
    (f,) = _run("stale_device", devices=(silent,), **_gateway_ok())
    assert (f.severity, f.kind, f.ongoing) == (Severity.LOW, FindingKind.TECHNICAL, True)
    assert f.onset_s == silent.last_seen_s
    assert f.evidence["limit_min"] == limit_min


@pytest.mark.parametrize(("kind", "limit_min"), [("hr", 15.0), ("cgm", 30.0)])
def test_stale_device_silent_at_exactly_its_limit(kind: str, limit_min: float) -> None:
    device = DeviceStatus("d", kind, NOW - 60 * limit_min)  # type: ignore[arg-type]
    assert _run("stale_device", devices=(device,), **_gateway_ok()) == []


def test_device_that_never_sent_is_stale_from_window_start() -> None:
    (f,) = _run("stale_device", devices=(_hr(None),), **_gateway_ok())
    assert f.onset_s == T0


def test_stale_device_blames_ble_when_gateway_does_not_see_it() -> None:
    device = _hr(NOW - 3600, gateway_seen_s=NOW - 3600)
    (f,) = _run("stale_device", devices=(device,), **_gateway_ok())
    assert f.context["hop"] == Hop.WEARABLE_TO_GATEWAY


def test_stale_device_blames_upload_when_gateway_sees_it() -> None:
    device = _hr(NOW - 3600, gateway_seen_s=NOW - 20)
    (f,) = _run("stale_device", devices=(device,), **_gateway_ok())
    assert f.context["hop"] == Hop.GATEWAY_UPLOAD


def test_stale_device_blames_gateway_when_heartbeat_is_missing() -> None:
    device = _hr(NOW - 3600, gateway_seen_s=NOW - 3600)
    (f,) = _run(
        "stale_device", devices=(device,), gateway_id="gw-1", gateway_heartbeat_s=NOW - 3600
    )
    assert f.context["hop"] == Hop.GATEWAY_TO_SERVER


def test_gateway_offline_fires_just_past_ten_minutes() -> None:
    (f,) = _run("gateway_offline", gateway_id="gw-1", gateway_heartbeat_s=NOW - 601)
    assert (f.severity, f.kind) == (Severity.LOW, FindingKind.TECHNICAL)
    assert f.context == {"gateway_id": "gw-1", "hop": "gateway->server"}


def test_gateway_offline_silent_at_exactly_ten_minutes() -> None:
    assert _run("gateway_offline", gateway_id="gw-1", gateway_heartbeat_s=NOW - 600) == []


def test_gateway_without_any_heartbeat_is_offline_since_window_start() -> None:
    (f,) = _run("gateway_offline", gateway_id="gw-1")
    assert f.onset_s == T0


def test_no_gateway_bound_raises_no_gateway_finding() -> None:
    assert _run("gateway_offline") == []


@pytest.mark.parametrize(
    ("pct", "expected"),
    [(20.0, None), (19.9, Severity.LOW), (5.0, Severity.LOW), (4.9, Severity.MEDIUM)],
)
def test_battery_low_thresholds(pct: float, expected: Severity | None) -> None:
    device = _hr(NOW, battery_pct=pct, battery_at_s=NOW - 100)
    found = _run("battery_low", devices=(device,))
    assert [f.severity for f in found] == ([] if expected is None else [expected])


def test_battery_finding_reports_level_and_device() -> None:
    device = _hr(NOW, battery_pct=12.0, battery_at_s=NOW - 100)
    (f,) = _run("battery_low", devices=(device,))
    assert (f.worst_value, f.unit, f.onset_s) == (12.0, "%", NOW - 100)
    assert f.context["device_id"] == "hr-1"


def test_stale_override_changes_outcome_and_version() -> None:
    device = _hr(NOW - 20 * 60)
    assert len(_run("stale_device", devices=(device,))) == 1
    custom = Thresholds().override("stale_device", version="s-p1", hr_limit_min=30.0)
    assert _run("stale_device", custom, devices=(device,)) == []
    custom = Thresholds().override("stale_device", version="s-p2", hr_limit_min=10.0)
    (f,) = _run("stale_device", custom, devices=(device,))
    assert f.rule_version == "s-p2"


def test_stale_device_without_a_gateway_names_no_hop() -> None:
    (f,) = _run("stale_device", devices=(_hr(NOW - 3600),))
    assert f.context["hop"] == Hop.UNKNOWN


def test_stale_device_without_ble_sightings_names_no_hop() -> None:
    (f,) = _run("stale_device", devices=(_hr(NOW - 3600),), **_gateway_ok())
    assert f.context["hop"] == Hop.UNKNOWN
