"""Sign-in, lockout, session expiry and sign-out through the real API and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest

from ingest.storage.accounts import disable_account
from tests.ingest.auth.helpers import (
    PASSWORD,
    SettableClock,
    add_account,
    audit_rows,
    bearer,
    client_for,
    sign_in,
    token_of,
)
from tests.ingest.conftest import make_settings, serve_in_thread

pytestmark = pytest.mark.db

ME = "/api/v1/auth/me"


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def client(db_url: str, clock: SettableClock) -> Iterator[httpx.Client]:
    for base in serve_in_thread(make_settings(db_url), clock):
        yield from client_for(base)


def test_a_clinician_signs_in_with_json_or_form_fields(db_url: str, client: httpx.Client) -> None:
    add_account(db_url, "nurse.park", team="ward-3")
    as_json = sign_in(client, "nurse.park")
    as_form = client.post(
        "/api/v1/auth/token",
        data={"username": "Nurse.Park", "password": PASSWORD, "grant_type": "password"},
    )
    for response in (as_json, as_form):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer"
        assert len(body["access_token"]) >= 43  # 256 bits, base64url
        me = client.get(ME, headers=bearer(body["access_token"]))
        assert me.json()["username"] == "nurse.park"
        assert me.json()["teams"] == ["ward-3"]
    with psycopg.connect(db_url) as conn:
        stored = [bytes(r[0]) for r in conn.execute("SELECT token_sha256 FROM sessions")]
    assert len(stored) == 2
    assert as_json.json()["access_token"].encode() not in stored
    assert [r[2] for r in audit_rows(db_url, "sign_in")] == ["success", "success"]


def test_unknown_user_and_wrong_password_get_the_same_answer(
    db_url: str, client: httpx.Client
) -> None:
    add_account(db_url, "nurse.park")
    unknown = sign_in(client, "nobody.here")
    wrong = sign_in(client, "nurse.park", "not the right password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    rows = audit_rows(db_url, "sign_in")
    assert [(r[0], r[2]) for r in rows] == [("nobody.here", "failure"), ("nurse.park", "failure")]
    assert rows[0][5]["reason"] == "unknown user"


def test_five_failures_lock_the_account_for_fifteen_minutes(
    db_url: str, client: httpx.Client, clock: SettableClock
) -> None:
    add_account(db_url, "nurse.park")
    for _ in range(5):
        assert sign_in(client, "nurse.park", "wrong password!!").status_code == 401
    refused = sign_in(client, "nurse.park")  # the right password, but locked
    assert refused.status_code == 401
    assert "locked after 5 failed attempts" in refused.json()["detail"]
    clock.advance(minutes=14)
    assert sign_in(client, "nurse.park").status_code == 401
    clock.advance(minutes=1)
    assert sign_in(client, "nurse.park").status_code == 200
    outcomes = [r[2] for r in audit_rows(db_url, "sign_in")]
    assert outcomes == ["failure"] * 4 + ["locked", "locked", "locked", "success"]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT failed_logins, locked_until FROM accounts").fetchone() == (
            0,
            None,
        )


def test_an_idle_session_expires_and_use_keeps_it_alive(
    db_url: str, client: httpx.Client, clock: SettableClock
) -> None:
    add_account(db_url, "nurse.park")
    token = token_of(client, "nurse.park")
    for _ in range(3):  # 87 minutes of steady use
        clock.advance(minutes=29)
        assert client.get(ME, headers=bearer(token)).status_code == 200
    clock.advance(minutes=30)
    expired = client.get(ME, headers=bearer(token))
    assert expired.status_code == 401
    assert "30 minutes without use" in expired.json()["detail"]


def test_a_session_ends_at_its_absolute_limit_however_busy(
    db_url: str, client: httpx.Client, clock: SettableClock
) -> None:
    add_account(db_url, "nurse.park")
    token = token_of(client, "nurse.park")
    for _ in range(23):  # 11 h 30 min, used every half hour less a minute
        clock.advance(minutes=29, seconds=59)
        assert client.get(ME, headers=bearer(token)).status_code == 200
    clock.advance(minutes=31)
    expired = client.get(ME, headers=bearer(token))
    assert expired.status_code == 401
    assert "12-hour limit" in expired.json()["detail"]


def test_logout_revokes_the_session_at_once(db_url: str, client: httpx.Client) -> None:
    add_account(db_url, "nurse.park")
    token = token_of(client, "nurse.park")
    other = token_of(client, "nurse.park")
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 200
    after = client.get(ME, headers=bearer(token))
    assert after.status_code == 401
    assert "signed out" in after.json()["detail"]
    assert client.get(ME, headers=bearer(other)).status_code == 200  # only that session
    assert [r[2] for r in audit_rows(db_url, "sign_out")] == ["success"]


def test_a_disabled_account_cannot_sign_in_and_its_sessions_stop(
    db_url: str, client: httpx.Client
) -> None:
    add_account(db_url, "nurse.park")
    token = token_of(client, "nurse.park")
    with psycopg.connect(db_url) as conn:
        disable_account(conn, username="nurse.park", actor="test")
    assert client.get(ME, headers=bearer(token)).status_code == 401
    assert sign_in(client, "nurse.park").status_code == 401
    assert audit_rows(db_url, "sign_in")[-1][5]["reason"] == "disabled"


def test_the_session_cookie_is_accepted_like_the_bearer_header(
    db_url: str, client: httpx.Client
) -> None:
    add_account(db_url, "nurse.park")
    token = token_of(client, "nurse.park")
    cookie = client.get(ME, headers={"Cookie": f"wearmon_session={token}"})
    assert cookie.status_code == 200
    missing = client.get(ME)
    assert missing.status_code == 401
    assert "Authorization: Bearer" in missing.json()["detail"]


def test_request_ids_are_echoed_or_made_and_reach_the_audit_row(
    db_url: str, client: httpx.Client
) -> None:
    add_account(db_url, "nurse.park")
    given = client.post(
        "/api/v1/auth/token",
        json={"username": "nurse.park", "password": PASSWORD},
        headers={"X-Request-ID": "req-42"},
    )
    made = sign_in(client, "nurse.park")
    assert given.headers["X-Request-ID"] == "req-42"
    assert len(made.headers["X-Request-ID"]) == 32
    rows = audit_rows(db_url, "sign_in")
    assert [r[4] for r in rows] == ["req-42", made.headers["X-Request-ID"]]
    assert rows[0][3] == "127.0.0.1/32"


def test_bad_sign_in_bodies_are_refused_naming_the_problem(client: httpx.Client) -> None:
    missing = client.post("/api/v1/auth/token", json={"username": "x"})
    assert missing.status_code == 422
    assert "password" in missing.json()["detail"]
    text = client.post("/api/v1/auth/token", content=b"hi", headers={"content-type": "text/plain"})
    assert text.status_code == 415


def test_openapi_documents_the_bearer_scheme(client: httpx.Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["session"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "session token from POST /api/v1/auth/token",
    }
    assert "CredentialsIn" in spec["components"]["schemas"]
