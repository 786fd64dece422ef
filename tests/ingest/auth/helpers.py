"""Accounts, a settable clock and a signed-in client for the API tests."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg

from ingest.auth.passwords import hash_password
from ingest.storage.accounts import Role, assign_participant, create_account

PASSWORD = "correct horse battery staple"


class SettableClock:
    """The API's "now" for sessions and lockout, moved by the test."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def add_account(
    url: str, username: str, role: Role = "clinician", *, team: str | None = None
) -> uuid.UUID:
    with psycopg.connect(url) as conn:
        account_id = create_account(
            conn,
            username=username,
            role=role,
            password_hash=hash_password(PASSWORD),
            team=team,
            display_name=None,
            participant_id=None,
            actor="test",
        )
        conn.commit()
    return account_id


def assign(url: str, team: str, participant_id: uuid.UUID) -> None:
    with psycopg.connect(url) as conn:
        assign_participant(conn, team=team, participant_id=participant_id, actor="test")
        conn.commit()


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def token_of(client: httpx.Client, username: str) -> str:
    response = sign_in(client, username)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_rows(url: str, action: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT actor, role, outcome, source_ip::text, request_id, details, subjects"
            " FROM audit_log WHERE action = %s ORDER BY audit_id",
            (action,),
        ).fetchall()


def client_for(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client
