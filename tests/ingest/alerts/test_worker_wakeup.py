"""The worker wakes on the NOTIFY of a committed ingestion batch (through the real API)."""

from __future__ import annotations

import datetime as dt
import queue
import threading
from typing import Any

import httpx
import psycopg

from ingest.alerts.worker import PassReport, run_worker
from tests.ingest.alerts.helpers import alerts_of
from tests.ingest.batches import batch, headers
from tests.ingest.conftest import Home


def _cgm(home: Home, start: dt.datetime, values: list[float | str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, v in enumerate(values):
        reading: dict[str, Any] = {
            "device_id": str(home.cgm_device),
            "metric": "glucose",
            "measured_at": (start + dt.timedelta(minutes=5 * i)).isoformat(),
            "unit": "mg/dL",
        }
        if v == "LOW":
            reading |= {"value": None, "flags": ["censored_low"]}
        else:
            reading["value"] = v
        out.append(reading)
    return out


def test_a_batch_completing_fifteen_minutes_of_sensor_low_wakes_the_worker(
    db_url: str, api: str, home: Home
) -> None:
    reports: queue.Queue[PassReport] = queue.Queue()
    stop = threading.Event()
    # idle_s=120: without the NOTIFY nothing would look at the queue during this test.
    worker = threading.Thread(
        target=run_worker,
        args=(db_url, None, stop),
        kwargs={"on_pass": reports.put, "idle_s": 120.0},
        daemon=True,
    )
    worker.start()
    reports.get(timeout=60)  # the first pass (timer) ran; the worker now waits
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).replace(microsecond=0)
    readings = _cgm(home, start, [90.0] + ["LOW"] * 4)
    posted = httpx.post(
        f"{api}/api/v1/ingest/batch", json=batch(home, readings), headers=headers(home)
    )
    assert posted.status_code == 200, posted.text
    try:
        while True:
            report = reports.get(timeout=30)
            if report.evaluated:
                break
        (evaluated,) = report.evaluated
        assert evaluated.participant_id == home.participant_id
        assert "hypo_level2" in evaluated.rules
        (alert,) = alerts_of(db_url, home.participant_id, "hypo_level2")
        assert alert["alert_id"] in evaluated.applied.opened
        assert (alert["priority"], alert["worst_value"]) == ("HIGH", 39.0)
    finally:
        stop.set()
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("NOTIFY wearmon_ingest")  # wake it to see the stop flag
        worker.join(30)
    assert not worker.is_alive()
