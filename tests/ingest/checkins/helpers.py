"""Building and posting check-ins as the home gateway does."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx

from checkins import load_instrument
from tests.ingest.conftest import Home

GDS = load_instrument("gds15")
REVERSED = {1, 5, 7, 11, 13}


def gds_answers(points: int, skips: int = 0) -> dict[int, str]:
    """Answers worth ``points`` (forward items answered yes first), the last ``skips``
    items skipped."""
    answers = {n: ("yes" if n in REVERSED else "no") for n in range(1, 16)}
    forward = [n for n in range(1, 16) if n not in REVERSED]
    reversed_ = sorted(REVERSED)
    for n in (forward + reversed_)[:points]:
        answers[n] = "no" if n in REVERSED else "yes"
    for n in range(16 - skips, 16):
        answers[n] = "skip"
    return answers


def checkin(
    home: Home,
    answers: dict[int, str],
    completed_at: dt.datetime | None = None,
    *,
    participant_id: uuid.UUID | None = None,
    instrument: str = "gds15",
    version: str | None = None,
) -> dict[str, Any]:
    done = completed_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = done - dt.timedelta(seconds=20 * len(answers))
    return {
        "gateway_id": str(home.gateway_id),
        "participant_id": str(participant_id or home.participant_id),
        "instrument": instrument,
        "instrument_version": version or load_instrument(instrument).version,
        "completed_at": done.isoformat(),
        "answers": [
            {
                "item": n,
                "answer": a,
                "answered_at": (start + dt.timedelta(seconds=20 * (i + 1))).isoformat(),
            }
            for i, (n, a) in enumerate(sorted(answers.items()))
        ],
    }


def post_checkin(
    api: str, home: Home, payload: dict[str, Any] | bytes, key: str | None = None
) -> httpx.Response:
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return httpx.post(
        f"{api}/api/v1/ingest/checkin",
        content=content,
        headers={
            "Authorization": f"Bearer {home.token}",
            "Idempotency-Key": key or str(uuid.uuid4()),
            "Content-Type": "application/json",
        },
        timeout=30,
    )
