"""The stricter contract: metrics match their device's kind, the OpenAPI document says
how to authenticate and what each refusal means, old batch keys are forgotten."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import psycopg
import pytest

from ingest import maintenance
from ingest.db.backend import Backend, BackendInfo
from ingest.settings import ServerSettings
from ingest.validation import KIND_METRICS, split_by_kind
from tests.ingest.batches import batch, body, headers, hr_readings, recent
from tests.ingest.conftest import Home

HR, CGM = uuid.UUID(int=1), uuid.UUID(int=2)
AT = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)


def test_each_kind_keeps_only_the_metrics_it_measures() -> None:
    accepted = [
        (HR, "heart_rate", AT, 70.0, "/min", 0, 0),
        (HR, "glucose", AT, 100.0, "mg/dL", 0, 1),
        (CGM, "glucose", AT, 100.0, "mg/dL", 0, 2),
        (CGM, "rr_interval", AT, 800.0, "ms", 0, 3),
        (CGM, "battery", AT, 50.0, "%", 0, 4),
    ]
    kept, refused = split_by_kind(accepted, {HR: "hr", CGM: "cgm"})
    assert [r[6] for r in kept] == [0, 2, 4]
    assert [(r.index, r.field) for r in refused] == [(1, "metric"), (3, "metric")]
    assert "enrolled as 'hr'" in refused[0].reason
    assert set(KIND_METRICS) == {"hr", "cgm"}  # the kinds enrolment accepts


@pytest.mark.db
def test_glucose_from_a_heart_rate_strap_is_rejected_and_the_rest_stored(
    api: str, home: Home, db_url: str
) -> None:
    readings = hr_readings(home.hr_device, recent(), 3)
    readings.insert(
        1,
        {
            "device_id": str(home.hr_device),
            "metric": "glucose",
            "measured_at": recent(5).isoformat(),
            "value": 110.0,
            "unit": "mg/dL",
        },
    )
    r = httpx.post(
        f"{api}/api/v1/ingest/batch",
        content=body(batch(home, readings)),
        headers=headers(home),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["accepted"] == 3
    assert [(x["index"], x["field"]) for x in out["rejected"]] == [(1, "metric")]
    with psycopg.connect(db_url) as conn:
        assert conn.execute(
            "SELECT count(*) FROM readings WHERE metric = 'glucose'"
        ).fetchone() == (0,)


@pytest.mark.db
def test_openapi_declares_the_bearer_scheme_and_every_refusal(api: str) -> None:
    spec = httpx.get(f"{api}/api/v1/openapi.json", timeout=10).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["gatewayToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "the gateway token printed once by `wearmon enroll gateway`",
    }
    for path in ("/api/v1/ingest/batch", "/api/v1/ingest/heartbeat"):
        operation = spec["paths"][path]["post"]
        assert {"gatewayToken": []} in operation["security"]
        assert {"401", "403", "408", "413", "422", "429", "503"} <= set(operation["responses"])
        assert all(operation["responses"][c]["description"] for c in ("401", "503"))
    health = spec["paths"]["/api/v1/health"]["get"]["responses"]
    assert "503" in health


@pytest.mark.db
def test_batch_keys_older_than_twice_the_buffer_window_are_forgotten(
    db_url: str, home: Home
) -> None:
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(db_url) as conn:
        for key, age_days in (("old", 15), ("recent", 13), ("new", 0)):
            conn.execute(
                "INSERT INTO ingest_batches (gateway_id, idempotency_key, body_sha256, sequence,"
                " sent_at, received_at) VALUES (%s, %s, '\\x00', 1, %s, %s)",
                (home.gateway_id, key, now, now - dt.timedelta(days=age_days)),
            )
        conn.commit()
        info = BackendInfo(Backend.PLAIN, conn.info.server_version)
        settings = ServerSettings(database_url=db_url, buffer_window_days=7)
        maintenance.run_once(conn, info, settings, now)
        keys = conn.execute("SELECT idempotency_key FROM ingest_batches ORDER BY 1").fetchall()
    assert keys == [("new",), ("recent",)]


@pytest.mark.db
def test_the_interactive_docs_load_their_assets_from_this_server(api: str) -> None:
    page = httpx.get(f"{api}/api/v1/docs", timeout=10)
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/api/v1/docs-assets/{asset}" in page.text
        got = httpx.get(f"{api}/api/v1/docs-assets/{asset}", timeout=10)
        assert got.status_code == 200
        assert len(got.content) > 10_000


@pytest.mark.db
def test_production_serves_no_interactive_docs_unless_asked(db_url: str) -> None:
    from tests.ingest.conftest import make_settings, serve_in_thread

    strong = "q3Vb0Jr7xKfN2mZs9TgYc1wL5hPaE8uRdA4oIiXkGvB6nMjQyWtHeC_-lSzFpUOD"
    # The test servers connect as a superuser, which production refuses; the docs
    # switch is what is under test here, so the app is built in development mode with
    # docs off, as production would have them.
    for api in serve_in_thread(make_settings(db_url, secret_key=strong, docs=False)):
        assert httpx.get(f"{api}/api/v1/docs", timeout=10).status_code == 404
        assert httpx.get(f"{api}/api/v1/openapi.json", timeout=10).status_code == 200
