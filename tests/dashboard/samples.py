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
    item: dict[str, Any] = {
        "participant_id": pid,
        "display_name": name,
        "open_alerts": {"HIGH": 0, "MEDIUM": 0, "LOW": 0},
        "open_technical": 0,
        "tbr54": 0.0,
        "tbr70": 0.5,
        "tir": 72.0,
        "af_burden": 0.0,
        "last_seen": iso(NOW - dt.timedelta(minutes=2)),
        "wear_time": 95.0,
        "battery": 80.0,
        "last_reviewed_at": None,
        "last_reviewed_by": None,
        "sufficiency": 96.0,
    }
    item.update(over)
    return item


def five_minute_series(days: int, fn: Any, end: dt.datetime = NOW) -> list[dict[str, Any]]:
    n = days * 288
    start = end - dt.timedelta(minutes=5 * n)
    return [{"ts": iso(start + dt.timedelta(minutes=5 * i)), "mean": fn(i)} for i in range(n)]


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
    def hr(i: int) -> float:
        return 70 + 10 * math.sin(2 * math.pi * i / 288)

    def glucose(i: int) -> float:
        return 140 + 50 * math.sin(2 * math.pi * i / 288 + 1.0)

    minutes = [5 * i for i in range(288)]
    return {
        "participant_id": pid,
        "display_name": name,
        "devices": [
            {"device_id": "HR-1", "kind": "heart_rate", "battery": 64, "last_seen": iso(NOW)},
            {"device_id": "CGM-1", "kind": "cgm", "battery": 15, "last_seen": iso(NOW)},
        ],
        "gateway": {"status": "online", "last_seen": iso(NOW), "failing_hop": None},
        "heart": {
            "rate": five_minute_series(days, hr),
            "hrv": [
                {"ts": p["ts"], "rmssd": 30.0, "sdnn": 45.0}
                for p in five_minute_series(days, hr)[::12]
            ],
            "af_burden": 2.5,
        },
        "cgm": {
            "trace": five_minute_series(days, glucose),
            "metrics": {
                "mean": 140.0,
                "cv": 25.0,
                "below_54": 0.2,
                "below_70": 1.5,
                "in_range_70_180": 70.0,
                "above_180": 28.3,
                "above_250": 3.0,
                "active_percent": 92.0,
            },
            "agp": {
                "minutes": minutes,
                **{
                    p: [140 + k * 10 + 20 * math.sin(m / 229) for m in minutes]
                    for k, p in zip(range(-2, 3), ("p5", "p25", "p50", "p75", "p95"), strict=True)
                },
            },
        },
        "data_quality": {"hr_coverage": 97.0, "cgm_coverage": 92.0},
    }
