"""Building gateway batches for the tests (what a gateway would send)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from tests.ingest.conftest import Home


def hr_readings(
    device: uuid.UUID, start: dt.datetime, n: int, bpm: float = 72.0
) -> list[dict[str, Any]]:
    return [
        {
            "device_id": str(device),
            "metric": "heart_rate",
            "measured_at": (start + dt.timedelta(seconds=i)).isoformat(),
            "value": bpm,
            "unit": "/min",
        }
        for i in range(n)
    ]


def batch(home: Home, readings: list[dict[str, Any]], sequence: int = 1) -> dict[str, Any]:
    return {
        "gateway_id": str(home.gateway_id),
        "sequence": sequence,
        "sent_at": dt.datetime.now(dt.UTC).isoformat(),
        "readings": readings,
    }


def headers(home: Home, key: str | None = None) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {home.token}",
        "Idempotency-Key": key or str(uuid.uuid4()),
        "Content-Type": "application/json",
    }


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def recent(minutes: float = 10) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).replace(microsecond=0)
