"""Revocation and consent withdrawal take effect at once, whatever the API has cached."""

from __future__ import annotations

import datetime as dt

import httpx
import psycopg
import pytest

from tests.ingest.batches import batch, body, headers, hr_readings, recent
from tests.ingest.conftest import Home, enrol_home, make_settings, serve_in_thread

pytestmark = pytest.mark.db


def _post(api: str, home: Home, minutes: float) -> httpx.Response:
    payload = batch(home, hr_readings(home.hr_device, recent(minutes), 2))
    return httpx.post(
        f"{api}/api/v1/ingest/batch", content=body(payload), headers=headers(home), timeout=30
    )


def _heartbeat(api: str, home: Home, *devices: str) -> httpx.Response:
    hb = {
        "gateway_id": str(home.gateway_id),
        "sent_at": dt.datetime.now(dt.UTC).isoformat(),
        "devices": [{"device_id": d, "connected": True} for d in devices],
        "outbox_depth": 0,
        "outbox_dropped": 0,
    }
    return httpx.post(
        f"{api}/api/v1/ingest/heartbeat",
        json=hb,
        headers={"Authorization": f"Bearer {home.token}"},
        timeout=30,
    )


def _execute(db_url: str, statement: str, *params: object) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute(statement, params)


def test_a_revoked_token_is_refused_at_once_although_it_is_cached(db_url: str, home: Home) -> None:
    # A cache longer than the test: only the write's own check can refuse the token.
    for api in serve_in_thread(make_settings(db_url, credential_cache_s=3600)):
        assert _post(api, home, 10).status_code == 200
        assert _heartbeat(api, home).status_code == 200
        _execute(
            db_url, "UPDATE gateways SET revoked_at = now() WHERE gateway_id = %s", home.gateway_id
        )
        refused = _post(api, home, 20)
        refused_heartbeat = _heartbeat(api, home)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert refused_heartbeat.status_code == 401
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM readings").fetchone() == (2,)


def test_a_heartbeat_may_only_name_devices_bound_to_the_gateway(db_url: str, home: Home) -> None:
    other = enrol_home(db_url, "Park Min-su")
    for api in serve_in_thread(make_settings(db_url)):
        own = _heartbeat(api, home, str(home.hr_device), str(home.cgm_device))
        foreign = _heartbeat(api, home, str(home.hr_device), str(other.hr_device))
        _execute(
            db_url,
            "UPDATE participants SET consent_status = 'withdrawn' WHERE participant_id = %s",
            home.participant_id,
        )
        withdrawn = _heartbeat(api, home, str(home.hr_device))
    assert own.status_code == 200
    assert foreign.status_code == 403
    assert str(other.hr_device) in foreign.json()["detail"]
    assert withdrawn.status_code == 403


def test_failed_authentications_are_rate_limited_per_address(db_url: str, home: Home) -> None:
    settings = make_settings(db_url, auth_failure_burst=3, auth_failure_rate_per_s=0.01)
    for api in serve_in_thread(settings):
        codes = [
            httpx.post(
                f"{api}/api/v1/ingest/batch",
                content=b"{}",
                headers={"Authorization": f"Bearer guess-{i}", "Idempotency-Key": "k"},
                timeout=10,
            ).status_code
            for i in range(5)
        ]
        # The real token from the same address is refused too until the budget refills.
        real = _post(api, home, 10)
    assert codes == [401, 401, 401, 429, 429]
    assert real.status_code == 429
    assert int(real.headers["Retry-After"]) >= 1
