"""The real stack for the browser tests: ``wearmon serve`` on a fresh database, two care
teams with a nurse each, and homes whose readings are posted as a gateway posts them."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.ingest.conftest import Home, enrol_home
from wearmon.api_process import api_process

PASSWORD = "pilot-nurse-Password-1"
# The worker evaluates after each committed batch (LISTEN/NOTIFY); allow for a loaded CI.
_ALERT_TIMEOUT_S = 90.0


@dataclass
class Stack:
    base_url: str
    database_url: str
    nurse: str
    other_nurse: str
    password: str
    hypo_id: str
    hypo_name: str
    healthy_id: str

    def audit(self, participant_id: str) -> list[dict[str, Any]]:
        """``wearmon audit list --participant P --json``, as the privacy officer runs it."""
        out = _wearmon(
            "audit",
            "list",
            "--participant",
            participant_id,
            "--json",
            "--database-url",
            self.database_url,
        )
        return list(json.loads(out)["items"])


def _wearmon(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "wearmon", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"wearmon {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def _readings(home: Home, now: dt.datetime) -> list[dict[str, Any]]:
    """30 min of 1 Hz heart rate with RR, and 3 h of CGM whose last 25 min are 45 mg/dL."""
    out: list[dict[str, Any]] = []
    start = now - dt.timedelta(minutes=30)
    for i in range(30 * 60):
        at = (start + dt.timedelta(seconds=i)).isoformat()
        out.append(
            {
                "device_id": str(home.hr_device),
                "metric": "heart_rate",
                "measured_at": at,
                "value": 72.0,
                "unit": "/min",
            }
        )
        out.append(
            {
                "device_id": str(home.hr_device),
                "metric": "rr_interval",
                "measured_at": at,
                "value": 833.0 + (i % 7) * 4,
                "unit": "ms",
            }
        )
    for k in range(36, -1, -1):
        reading_at = now - dt.timedelta(minutes=5 * k)
        value = 45.0 if k <= 5 else 110.0
        out.append(
            {
                "device_id": str(home.cgm_device),
                "metric": "glucose",
                "measured_at": reading_at.isoformat(),
                "value": value,
                "unit": "mg/dL",
            }
        )
    return out


def _post(base: str, home: Home, readings: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for seq, first in enumerate(range(0, len(readings), 4000), start=1):
            body = {
                "gateway_id": str(home.gateway_id),
                "sequence": seq,
                "sent_at": dt.datetime.now(dt.UTC).isoformat(),
                "readings": readings[first : first + 4000],
            }
            response = client.post(
                "/api/v1/ingest/batch",
                content=json.dumps(body),
                headers={
                    "Authorization": f"Bearer {home.token}",
                    "Idempotency-Key": str(uuid.uuid4()),
                    "Content-Type": "application/json",
                },
            )
            assert response.status_code == 200, response.text


def _post_checkin(base: str, home: Home, done: dt.datetime, points: int) -> None:
    """A weekly GDS-15 check-in from the home gateway: ``points`` forward items answered
    yes (a point each), the rest answered the non-depressive way."""
    reversed_items = {1, 5, 7, 11, 13}  # score on "no" (Sheikh & Yesavage 1986)
    forward = [n for n in range(1, 16) if n not in reversed_items][:points]
    body = {
        "gateway_id": str(home.gateway_id),
        "participant_id": str(home.participant_id),
        "instrument": "gds15",
        "instrument_version": "1.0.0",
        "completed_at": done.isoformat(),
        "answers": [
            {
                "item": n,
                "answer": "yes" if n in reversed_items or n in forward else "no",
                "answered_at": (done - dt.timedelta(seconds=15 - n)).isoformat(),
            }
            for n in range(1, 16)
        ],
    }
    response = httpx.post(
        f"{base}/api/v1/ingest/checkin",
        json=body,
        headers={"Authorization": f"Bearer {home.token}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def _wait_for_alert(base: str, user: str, participant_id: str, rule: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        token = client.post(
            "/api/v1/auth/token", json={"username": user, "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + _ALERT_TIMEOUT_S
        while time.monotonic() < deadline:
            items = client.get(
                "/api/v1/alerts", headers=headers, params={"participant_id": participant_id}
            ).json()["items"]
            if any(a["rule_id"] == rule for a in items):
                client.post("/api/v1/auth/logout", headers=headers)
                return
            time.sleep(0.5)
    raise AssertionError(f"no {rule} alert for {participant_id} within {_ALERT_TIMEOUT_S} s")


@contextlib.contextmanager
def start_stack(database_url: str, tmp: Path) -> Iterator[Stack]:
    env = {"WEARMON_DATA_DIR": str(tmp / "data")}
    with api_process(database_url, env=env, log_path=tmp / "serve.log") as api:
        base = api.url
        hypo = enrol_home(database_url, "김영자")
        healthy = enrol_home(database_url, "박철수")
        for user, team in (("nurse.kim", "ward-a"), ("nurse.lee", "ward-b")):
            _wearmon(
                "user",
                "add",
                "--role",
                "clinician",
                "--username",
                user,
                "--password-stdin",
                "--team",
                team,
                "--json",
                "--database-url",
                database_url,
                stdin=PASSWORD + "\n",
            )
        for home in (hypo, healthy):
            _wearmon(
                "team",
                "assign",
                "--team",
                "ward-a",
                "--participant",
                str(home.participant_id),
                "--json",
                "--database-url",
                database_url,
            )
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        _post(base, hypo, _readings(hypo, now))
        _post_checkin(base, hypo, now - dt.timedelta(hours=1), points=9)
        healthy_readings = [
            {**r, "value": 120.0} if r["metric"] == "glucose" else r
            for r in _readings(healthy, now)
        ]
        _post(base, healthy, healthy_readings)
        _wait_for_alert(base, "nurse.kim", str(hypo.participant_id), "hypo_level2")
        yield Stack(
            base_url=base,
            database_url=database_url,
            nurse="nurse.kim",
            other_nurse="nurse.lee",
            password=PASSWORD,
            hypo_id=str(hypo.participant_id),
            hypo_name="김영자",
            healthy_id=str(healthy.participant_id),
        )
