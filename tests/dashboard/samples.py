"""JSON as the clinical API returns it (issue shapes), for tests of the dashboard's pure parts.

Built from formulas with a seed, so each test states what it put in.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

NOW = dt.datetime(2026, 12, 6, 0, 30, tzinfo=dt.UTC)  # 09:30 in Seoul


def iso(t: dt.datetime) -> str:
    return t.isoformat()


def triage_item(pid: str, name: str, **over: Any) -> dict[str, Any]:
    """A row of ``GET /api/v1/triage`` (schemas_clinical.TriageItemOut)."""
    item: dict[str, Any] = {
        "participant_id": pid,
        "display_name": name,
        "last_seen": iso(NOW - dt.timedelta(minutes=2)),
        "heart_rate_last_seen": iso(NOW - dt.timedelta(minutes=2)),
        "glucose_last_seen": iso(NOW - dt.timedelta(minutes=4)),
        "wear_pct_24h": 95.0,
        "battery_pct": 80.0,
        "highest_priority": None,
        "alerts": {},
        "unacknowledged": 0,
        "glucose_14d": {
            "readings": 4000,
            "tbr54_pct": 0.0,
            "tbr70_pct": 0.5,
            "tir_pct": 72.0,
            "sufficiency_pct": 96.0,
            "sufficient": True,
        },
        "last_reviewed_by": None,
        "last_reviewed_at": None,
        "af_burden_pct_24h": None,
    }
    item.update(over)
    return item


def five_minute_series(days: int, fn: Any, end: dt.datetime = NOW) -> list[dict[str, Any]]:
    n = days * 288
    start = end - dt.timedelta(minutes=5 * n)
    return [
        {
            "bucket": iso(start + dt.timedelta(minutes=5 * i)),
            "n": 300,
            "mean": fn(i),
            "min": fn(i) - 5,
            "max": fn(i) + 5,
        }
        for i in range(n)
    ]


def alert(aid: str, pid: str, rule: str, priority: str, state: str = "OPEN") -> dict[str, Any]:
    return {
        "id": aid,
        "participant_id": pid,
        "rule_id": rule,
        "rule_version": "1",
        "kind": "physiological",
        "priority": priority,
        "state": state,
        "retrospective": False,
        "first_seen": iso(NOW - dt.timedelta(hours=3)),
        "last_seen": iso(NOW - dt.timedelta(hours=2, minutes=40)),
        "occurrence_count": 1,
        "worst_value": 48.0,
        "unit": "mg/dL",
        "evidence": {},
        "acknowledged_by": None,
        "acknowledged_at": None,
        "resolved_by": None,
        "resolved_at": None,
        "resolution": None,
    }


def participant(pid: str, name: str, days: int = 14) -> dict[str, Any]:
    """``GET /api/v1/participants/{id}?hours=...`` (schemas_clinical.ParticipantOut)."""

    def hr(i: int) -> float:
        return 70 + 10 * math.sin(2 * math.pi * i / 288)

    def glucose(i: int) -> float:
        return 140 + 50 * math.sin(2 * math.pi * i / 288 + 1.0)

    minutes = [5 * (i + 1) for i in range(288)]
    percentiles = [5.0, 25.0, 50.0, 75.0, 95.0]
    return {
        "participant_id": pid,
        "identity": {
            "full_name": name,
            "birth_year": 1950,
            "sex": "F",
            "district": "Jongno-gu",
            "phone": None,
            "study_id": "S-001",
            "time_zone": "Asia/Seoul",
            "consent_status": "active",
            "enrolled_at": iso(NOW - dt.timedelta(days=30)),
        },
        "devices": [
            {
                "device_id": "d-hr",
                "kind": "heart_rate",
                "model": "HRS",
                "serial": "HR-1",
                "ble_address": None,
                "last_seen": iso(NOW),
                "battery_pct": 64,
                "battery_at": iso(NOW),
            },
            {
                "device_id": "d-cgm",
                "kind": "cgm",
                "model": "CGM",
                "serial": "CGM-1",
                "ble_address": None,
                "last_seen": iso(NOW),
                "battery_pct": 15,
                "battery_at": iso(NOW),
            },
        ],
        "gateway": {
            "gateway_id": "g1",
            "last_heartbeat": iso(NOW),
            "ok": True,
            "failing_hop": None,
            "problems": [],
        },
        "window": {"from": iso(NOW - dt.timedelta(days=days)), "to": iso(NOW)},
        "trends": {
            "heart_rate": five_minute_series(days, hr),
            "rr_interval": five_minute_series(days, lambda i: 60000 / hr(i)),
            "glucose": five_minute_series(days, glucose),
        },
        "heart": {
            "beats": 100000,
            "hrv": {
                "windows": 280,
                "sdnn_ms": 45.0,
                "rmssd_ms": 30.0,
                "mean_nn_ms": 850.0,
                "pnn50_pct": 8.0,
            },
            "af": {"burden_pct": 2.5, "minutes_last_hour": 0.0, "episodes": 1},
        },
        "glucose": {
            "readings": 4000,
            "sufficiency": {
                "active_pct": 92.0,
                "sufficient": True,
                "required_pct": 70.0,
                "period_days": 14,
            },
            "metrics": {
                "mean": 140.0,
                "CV": 25.0,
                "GMI": 6.66,
                "below_54": 0.2,
                "below_70": 1.5,
                "in_range_70_180": 70.0,
                "above_180": 28.3,
                "above_250": 3.0,
                "active_percent": 92.0,
            },
            "agp": {
                "minute_of_day": minutes,
                "percentiles": percentiles,
                "glucose_mg_dl": [
                    [140 + k * 10 + 20 * math.sin(m / 229) for k in range(-2, 3)] for m in minutes
                ],
                "n_days": [14] * 288,
            },
        },
        "data_quality": {
            "heart_rate_coverage_pct": 97.0,
            "rr_coverage_pct": 97.0,
            "glucose_active_pct_14d": 92.0,
            "glucose_sufficient_14d": True,
            "censored_glucose_readings_14d": 0,
        },
        "open_alerts": [],
    }
