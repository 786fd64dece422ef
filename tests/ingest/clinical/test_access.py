"""Object- and role-level checks: out-of-team clinicians get 404, other roles 403; audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.ingest.auth.helpers import add_account, assign, audit_rows, bearer, client_for, token_of
from tests.ingest.conftest import enrol_home, make_settings, serve_in_thread

pytestmark = pytest.mark.db


@pytest.fixture
def client(db_url: str) -> Iterator[httpx.Client]:
    for base in serve_in_thread(make_settings(db_url)):
        yield from client_for(base)


def test_a_clinician_of_another_team_gets_404_and_the_attempt_is_audited(
    db_url: str, client: httpx.Client
) -> None:
    home = enrol_home(db_url)
    add_account(db_url, "nurse.park", team="ward-3")
    add_account(db_url, "nurse.kim", team="ward-5")
    assign(db_url, "ward-3", home.participant_id)
    pid = home.participant_id
    mine = client.get(f"/api/v1/participants/{pid}", headers=bearer(token_of(client, "nurse.park")))
    assert mine.status_code == 200, mine.text
    other = bearer(token_of(client, "nurse.kim"))
    missing = uuid.uuid4()
    for path in (f"/participants/{pid}", f"/participants/{missing}"):
        response = client.get(f"/api/v1{path}", headers=other)
        assert response.status_code == 404
        assert response.json()["detail"].endswith("not found")
    assert client.post(f"/api/v1/participants/{pid}/reviewed", headers=other).status_code == 404
    readings = client.get(
        f"/api/v1/participants/{pid}/readings",
        params={"metric": "glucose", "from": "2026-12-01T00:00:00Z", "to": "2026-12-01T01:00:00Z"},
        headers=other,
    )
    assert readings.status_code == 404
    assert client.get("/api/v1/triage", headers=other).json() == {"items": []}
    denied = [r for r in audit_rows(db_url, "read") if r[2] == "denied"]
    assert [(r[0], [str(s) for s in r[6]]) for r in denied] == [
        ("nurse.kim", [str(pid)]),
        ("nurse.kim", [str(missing)]),
        ("nurse.kim", [str(pid)]),
    ]
    assert [r[2] for r in audit_rows(db_url, "review")] == ["denied"]


@pytest.mark.parametrize("role", ["researcher", "admin", "custodian"])
def test_other_roles_get_403_on_identifiable_routes_and_it_is_audited(
    db_url: str, client: httpx.Client, role: str
) -> None:
    home = enrol_home(db_url)
    add_account(db_url, "someone", role, team="ward-3")  # type: ignore[arg-type]
    assign(db_url, "ward-3", home.participant_id)
    auth = bearer(token_of(client, "someone"))
    for path in ("/triage", f"/participants/{home.participant_id}"):
        response = client.get(f"/api/v1{path}", headers=auth)
        assert response.status_code == 403
        assert f"role '{role}' may not use this route" in response.json()["detail"]
        assert "full_name" not in response.text
    rows = audit_rows(db_url, "access")
    assert [(r[0], r[1], r[2]) for r in rows] == [("someone", role, "denied")] * 2


def test_unauthenticated_requests_get_401(db_url: str, client: httpx.Client) -> None:
    assert client.get("/api/v1/triage").status_code == 401
    assert client.get("/api/v1/triage", headers=bearer("made-up")).status_code == 401
