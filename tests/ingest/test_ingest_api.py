"""POST /api/v1/ingest/batch against a real server and database."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import psycopg
import pytest

from ingest.db.backend import Backend
from tests.ingest.batches import batch, body, headers, hr_readings, recent
from tests.ingest.conftest import Home

pytestmark = pytest.mark.db


def count(url: str, sql: str = "SELECT count(*) FROM readings") -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def post(
    api: str, home: Home, payload: dict[str, object], key: str | None = None, **extra_headers: str
) -> httpx.Response:
    return httpx.post(
        f"{api}/api/v1/ingest/batch",
        content=body(payload),
        headers={**headers(home, key), **extra_headers},
        timeout=30,
    )


def test_a_batch_is_stored_and_counted(api: str, home: Home, db_url: str) -> None:
    r = post(api, home, batch(home, hr_readings(home.hr_device, recent(), 50)))
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 50, "duplicates": 0, "rejected": []}
    assert count(db_url) == 50


def test_the_same_batch_again_stores_nothing_and_is_not_an_error(
    api: str, home: Home, db_url: str
) -> None:
    payload = batch(home, hr_readings(home.hr_device, recent(), 20))
    key = str(uuid.uuid4())
    first = post(api, home, payload, key)
    again = post(api, home, payload, key)
    assert first.json()["accepted"] == 20
    assert again.status_code == 200
    assert again.json() == {"accepted": 0, "duplicates": 20, "rejected": []}
    assert count(db_url) == 20


def test_a_reading_resent_in_a_new_batch_is_a_duplicate(api: str, home: Home, db_url: str) -> None:
    start = recent()
    post(api, home, batch(home, hr_readings(home.hr_device, start, 10)))
    r = post(api, home, batch(home, hr_readings(home.hr_device, start, 15), sequence=2))
    assert r.json() == {"accepted": 5, "duplicates": 10, "rejected": []}
    assert count(db_url) == 15


def test_same_key_with_a_different_body_is_refused(api: str, home: Home, db_url: str) -> None:
    key = str(uuid.uuid4())
    post(api, home, batch(home, hr_readings(home.hr_device, recent(), 3)), key)
    r = post(api, home, batch(home, hr_readings(home.hr_device, recent(20), 3)), key)
    assert r.status_code == 422
    assert "Idempotency-Key" in r.json()["detail"]
    assert r.headers["X-Wearmon-Error"] == "idempotency_conflict"
    assert count(db_url) == 3


def test_bad_readings_are_rejected_alone_and_good_ones_stored(
    api: str, home: Home, db_url: str
) -> None:
    readings = hr_readings(home.hr_device, recent(), 5)
    readings[1]["value"] = 300.0  # implausible heart rate
    readings[3]["measured_at"] = "2026-11-22T08:00:00"  # no time zone
    readings.append(
        {
            "device_id": str(home.cgm_device),
            "metric": "glucose",
            "measured_at": recent().isoformat(),
            "value": None,
            "unit": "mg/dL",
            "flags": ["censored_low"],
        }
    )
    r = post(api, home, batch(home, readings))
    assert r.status_code == 200
    out = r.json()
    assert (out["accepted"], out["duplicates"]) == (4, 0)
    assert [(x["index"], x["field"]) for x in out["rejected"]] == [(1, "value"), (3, "measured_at")]
    assert count(db_url) == 4
    assert count(db_url, "SELECT count(*) FROM readings WHERE value IS NULL AND flags = 2") == 1


def test_malformed_body_gets_422_naming_the_field(api: str, home: Home) -> None:
    payload = batch(home, hr_readings(home.hr_device, recent(), 2))
    payload["readings"][1]["colour"] = "red"
    r = post(api, home, payload)
    assert r.status_code == 422
    assert ["body", "readings", 1, "colour"] in [d["loc"] for d in r.json()["detail"]]
    payload = batch(home, hr_readings(home.hr_device, recent(), 2))
    payload["readings"][0]["measured_at"] = "yesterday"
    r = post(api, home, payload)
    assert r.status_code == 422
    assert ["body", "readings", 0, "measured_at"] in [d["loc"] for d in r.json()["detail"]]


def test_a_missing_or_wrong_token_gets_401(api: str, home: Home) -> None:
    payload = body(batch(home, hr_readings(home.hr_device, recent(), 1)))
    r = httpx.post(
        f"{api}/api/v1/ingest/batch",
        content=payload,
        headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert r.status_code == 401
    r = httpx.post(
        f"{api}/api/v1/ingest/batch",
        content=payload,
        headers={**headers(home), "Authorization": "Bearer nope"},
    )
    assert r.status_code == 401


def test_a_gateway_cannot_write_for_another_participants_device(
    api: str, home: Home, db_url: str
) -> None:
    from tests.ingest.conftest import enrol_home

    other = enrol_home(db_url, "Park Min-su")
    r = post(api, home, batch(home, hr_readings(other.hr_device, recent(), 3)))
    assert r.status_code == 403
    assert str(other.hr_device) in r.json()["detail"]
    assert count(db_url) == 0


def test_a_gateway_cannot_claim_another_gateway_id(api: str, home: Home, db_url: str) -> None:
    payload = batch(home, hr_readings(home.hr_device, recent(), 1))
    payload["gateway_id"] = str(uuid.uuid4())
    assert post(api, home, payload).status_code == 403


def test_an_oversized_body_gets_413(db_url: str, home: Home) -> None:
    from tests.ingest.conftest import make_settings, serve_in_thread

    for api in serve_in_thread(make_settings(db_url, max_body_bytes=4096)):
        r = post(api, home, batch(home, hr_readings(home.hr_device, recent(), 100)))
        assert r.status_code == 413
        assert "larger than 4096" in r.json()["detail"]
    assert count(db_url) == 0


def test_too_many_readings_in_one_batch_gets_422(db_url: str, home: Home) -> None:
    from tests.ingest.conftest import make_settings, serve_in_thread

    for api in serve_in_thread(make_settings(db_url, max_readings_per_batch=10)):
        r = post(api, home, batch(home, hr_readings(home.hr_device, recent(), 11)))
        assert r.status_code == 422
        assert "split the batch" in r.json()["detail"]
        assert r.headers["X-Wearmon-Error"] == "too_many_readings"


def test_over_the_rate_gets_429_with_retry_after(db_url: str, home: Home) -> None:
    from tests.ingest.conftest import make_settings, serve_in_thread

    settings = make_settings(db_url, gateway_rate_per_s=0.01, gateway_burst=2)
    for api in serve_in_thread(settings):
        codes = [
            post(api, home, batch(home, hr_readings(home.hr_device, recent(i), 1))).status_code
            for i in range(3)
        ]
        r = post(api, home, batch(home, hr_readings(home.hr_device, recent(9), 1)))
    assert codes == [200, 200, 429]
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1


def test_the_rollup_holds_sum_and_count_and_merges_late_data(
    api: str, home: Home, db_url: str
) -> None:
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    bucket = start - dt.timedelta(minutes=start.minute % 5)
    post(api, home, batch(home, hr_readings(home.hr_device, bucket, 10, bpm=60.0)))
    post(
        api,
        home,
        batch(home, hr_readings(home.hr_device, bucket + dt.timedelta(seconds=10), 5, bpm=90.0)),
    )
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT n, total, min_value, max_value FROM readings_5m "
            "WHERE metric = 'heart_rate' AND bucket = %s",
            (bucket,),
        ).fetchone()
    assert row == (15, 600.0 + 450.0, 60.0, 90.0)


def test_health_reports_database_and_backend(api: str, db_backend: Backend) -> None:
    r = httpx.get(f"{api}/api/v1/health")
    assert r.status_code == 200
    out = r.json()
    assert (out["status"], out["database"], out["backend"]) == (
        "ok",
        "reachable",
        db_backend.value,
    )
    assert out["server_version"] >= 150000


def test_openapi_is_served_under_api_v1(api: str) -> None:
    spec = httpx.get(f"{api}/api/v1/openapi.json").json()
    assert "/api/v1/ingest/batch" in spec["paths"]
    assert "BatchIn" in spec["components"]["schemas"]


def test_heartbeat_is_recorded(api: str, home: Home, db_url: str) -> None:
    hb = {
        "gateway_id": str(home.gateway_id),
        "sent_at": dt.datetime.now(dt.UTC).isoformat(),
        "devices": [
            {
                "device_id": str(home.hr_device),
                "battery_percent": 80,
                "rssi_dbm": -60,
                "connected": True,
            }
        ],
        "outbox_depth": 12,
        "outbox_dropped": 0,
    }
    r = httpx.post(
        f"{api}/api/v1/ingest/heartbeat", json=hb, headers={"Authorization": f"Bearer {home.token}"}
    )
    assert r.status_code == 200, r.text
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT last_heartbeat->>'outbox_depth' FROM gateways").fetchone()
    assert row == ("12",)
