"""POST /api/v1/ingest/checkin and the week summaries, against a real server and database."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from ingest.auth.passwords import hash_password
from ingest.storage.accounts import create_account
from tests.ingest.auth.helpers import PASSWORD, add_account, assign, bearer, token_of
from tests.ingest.checkins.helpers import checkin, gds_answers, post_checkin
from tests.ingest.conftest import Home, enrol_home

pytestmark = pytest.mark.db


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_a_checkin_is_scored_by_the_server_and_stored_once(
    api: str, home: Home, db_url: str
) -> None:
    payload = checkin(home, gds_answers(9))
    first = post_checkin(api, home, payload, "k1")
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["score"], body["status"], body["scoring"]) == (9, "stored", "complete")
    assert (body["positive"], body["cutoff"]) == (True, 8)
    again = post_checkin(api, home, payload, "k1")
    assert again.status_code == 200
    assert again.json() == {**body, "status": "duplicate"}
    # The same check-in under a new key (a gateway that lost its key) is still one.
    other_key = post_checkin(api, home, payload, "k2")
    assert other_key.json() == {**body, "status": "duplicate"}
    assert _count(db_url, "checkins") == 1
    assert _count(db_url, "checkin_answers") == 15
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT item, answer, answered_at FROM checkin_answers ORDER BY item"
        ).fetchall()
    assert [r[0] for r in rows] == list(range(1, 16))
    assert rows[0][2] == dt.datetime.fromisoformat(payload["answers"][0]["answered_at"])


def test_skips_are_prorated_up_to_three_and_incomplete_beyond(api: str, home: Home) -> None:
    t = dt.datetime.now(dt.UTC).replace(microsecond=0)
    three = post_checkin(api, home, checkin(home, gds_answers(6, skips=3), t)).json()
    assert (three["score"], three["scoring"]) == (8, "prorated")  # 6 * 15 / 12 = 7.5 -> 8
    four = post_checkin(
        api, home, checkin(home, gds_answers(2, skips=4), t - dt.timedelta(hours=1))
    ).json()
    assert (four["score"], four["scoring"], four["positive"]) == (None, "incomplete", None)


def test_the_key_reused_for_another_checkin_is_refused(api: str, home: Home) -> None:
    post_checkin(api, home, checkin(home, gds_answers(2)), "same")
    r = post_checkin(
        api, home, checkin(home, gds_answers(3), dt.datetime.now(dt.UTC) - dt.timedelta(1)), "same"
    )
    assert r.status_code == 422
    assert r.headers["X-Wearmon-Error"] == "idempotency_conflict"


def test_a_participant_not_bound_to_the_gateway_is_forbidden(
    api: str, home: Home, db_url: str
) -> None:
    other = enrol_home(db_url, "Park Sun-hee")
    r = post_checkin(api, home, checkin(home, gds_answers(1), participant_id=other.participant_id))
    assert r.status_code == 403
    assert "not bound" in r.json()["detail"]
    r = post_checkin(api, home, {**checkin(home, gds_answers(1)), "gateway_id": "x"})
    assert r.status_code == 403
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "UPDATE participants SET consent_status = 'withdrawn', withdrawn_at = now()"
            " WHERE participant_id = %s",
            (home.participant_id,),
        )
    assert post_checkin(api, home, checkin(home, gds_answers(1))).status_code == 403
    assert _count(db_url, "checkins") == 0


def _loc(r: httpx.Response) -> str:
    detail = r.json()["detail"]
    if isinstance(detail, str):
        return detail
    return ".".join(str(p) for p in detail[0]["loc"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["answers"][0].update(item=16), "body.answers.0.item"),
        (lambda p: p["answers"][0].update(answer="maybe"), "body.answers.0.answer"),
        (lambda p: p["answers"][0].update(answered_at="2026-12-01T10:00:00"), "answered_at"),
        (lambda p: p.update(instrument="phq9"), "body.instrument"),
        (lambda p: p.update(extra=1), "body.extra"),
        (lambda p: p.update(participant_id="nope"), "body.participant_id"),
        (lambda p: p.update(instrument_version="0.9"), "instrument_version:"),
        (lambda p: p.update(completed_at="2099-01-01T00:00:00+00:00"), "completed_at:"),
        (lambda p: p["answers"].pop(), "answers: items [15] are missing"),
        (lambda p: p["answers"].__setitem__(1, dict(p["answers"][0])), "answers[1].item"),
        (lambda p: p["answers"][3].update(answered_at="2099-01-01T00:00:00+00:00"), "answers[3]"),
        (lambda p: p["answers"][4].update(answered_at="2000-01-01T00:00:00+00:00"), "answers[4]"),
        (lambda p: p.update(answers=p["answers"][:3], instrument="daily2"), "answers[2].item"),
    ],
)
def test_bad_checkins_are_422_naming_the_field(
    api: str, home: Home, db_url: str, change: object, field: str
) -> None:
    payload = checkin(home, gds_answers(4))
    change(payload)  # type: ignore[operator]
    r = post_checkin(api, home, payload)
    assert r.status_code == 422, r.text
    assert field in _loc(r) or field in r.text
    assert "Kim" not in r.text  # never echoes
    assert _count(db_url, "checkins") == 0


def test_garbage_bodies_are_422_never_5xx(api: str, home: Home) -> None:
    for raw in (b"", b"{", b"[]", b"null", json.dumps({"answers": "x"}).encode(), b"\xff"):
        assert post_checkin(api, home, raw).status_code == 422


def test_no_token_is_401(api: str, home: Home) -> None:
    r = httpx.post(f"{api}/api/v1/ingest/checkin", json={}, headers={"Idempotency-Key": "x"})
    assert r.status_code == 401


def test_the_daily_check_is_stored_without_a_cutoff(api: str, home: Home) -> None:
    r = post_checkin(api, home, checkin(home, {1: "yes", 2: "no"}, instrument="daily2"))
    assert r.status_code == 200, r.text
    assert (r.json()["score"], r.json()["positive"]) == (1, None)


@pytest.fixture
def client(api: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api, timeout=30) as c:
        yield c


def _participant_account(url: str, username: str, pid: uuid.UUID, name: str) -> None:
    with psycopg.connect(url) as conn:
        create_account(
            conn,
            username=username,
            role="participant",
            password_hash=hash_password(PASSWORD),
            team=None,
            display_name=name,
            participant_id=pid,
            actor="test",
        )
        conn.commit()


def test_the_week_for_the_home_page_and_seen_by_the_care_team(
    api: str, home: Home, db_url: str, client: httpx.Client
) -> None:
    gw = {"Authorization": f"Bearer {home.token}"}
    url = f"/api/v1/ingest/checkin/participants/{home.participant_id}/week"
    empty = client.get(url, headers=gw)
    assert empty.status_code == 200, empty.text
    assert empty.json()["last_checkin"] is None
    assert empty.json()["wear_time_hours_7d"] == 0.0
    assert empty.json()["time_in_range_pct_7d"] is None
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "UPDATE participant_identity SET preferred_name = '영자' WHERE participant_id = %s",
            (home.participant_id,),
        )
        now = dt.datetime.now(dt.UTC)
        # Three CGM readings in range, one above, one sensor LOW: 60 % in range; and 12
        # five-minute buckets of heart rate: one hour of wear.
        for i, (v, flags) in enumerate([(100, 0), (150, 0), (180, 0), (181, 0), (None, 2)]):
            conn.execute(
                "INSERT INTO readings (device_id, metric, measured_at, participant_id,"
                " received_at, value, unit, flags) VALUES (%s, 'glucose', %s, %s, now(), %s,"
                " 'mg/dL', %s)",
                (
                    home.cgm_device,
                    now - dt.timedelta(minutes=5 * (i + 1)),
                    home.participant_id,
                    v,
                    flags,
                ),
            )
        for i in range(12):
            conn.execute(
                "INSERT INTO readings_5m (participant_id, metric, bucket, n, total)"
                " VALUES (%s, 'heart_rate', %s, 300, 21000)",
                (home.participant_id, now - dt.timedelta(minutes=5 * (i + 1))),
            )
    done = dt.datetime.now(dt.UTC).replace(microsecond=0)
    post_checkin(api, home, checkin(home, gds_answers(2), done))
    week = client.get(url, headers=gw).json()
    assert week["display_name"] == "영자"
    assert week["wear_time_hours_7d"] == 1.0
    assert week["time_in_range_pct_7d"] == 60.0
    assert dt.datetime.fromisoformat(week["last_checkin"]["completed_at"]) == done
    assert week["last_checkin"]["seen_by_care_team"] is False
    # A clinician of the care team opens the participant's page: seen.
    add_account(db_url, "nurse.kim", team="mapo")
    assign(db_url, "mapo", home.participant_id)
    page = client.get(
        f"/api/v1/participants/{home.participant_id}", headers=bearer(token_of(client, "nurse.kim"))
    )
    assert page.status_code == 200, page.text
    assert [c["score"] for c in page.json()["checkins"]] == [2]
    assert client.get(url, headers=gw).json()["last_checkin"]["seen_by_care_team"] is True
    # Another home's gateway may not read this participant's week.
    other = enrol_home(db_url, "Park Sun-hee")
    r = client.get(url, headers={"Authorization": f"Bearer {other.token}"})
    assert r.status_code == 403


def test_a_participant_sees_only_their_own_week(
    api: str, home: Home, db_url: str, client: httpx.Client
) -> None:
    other = enrol_home(db_url, "Park Sun-hee")
    _participant_account(db_url, "youngja", home.participant_id, "영자")
    _participant_account(db_url, "sunhee", other.participant_id, "순희")
    post_checkin(api, other, checkin(other, gds_answers(12)))
    me = bearer(token_of(client, "youngja"))
    week = client.get("/api/v1/me/week", headers=me)
    assert week.status_code == 200, week.text
    assert week.json()["participant_id"] == str(home.participant_id)
    assert week.json()["display_name"] == "영자"
    assert week.json()["last_checkin"] is None  # the other participant's check-in is not mine
    # Every clinical route is closed to a participant account, their own id or another's.
    for pid in (other.participant_id, home.participant_id):
        assert client.get(f"/api/v1/participants/{pid}", headers=me).status_code == 403
    assert client.get(
        f"/api/v1/alerts?participant_id={other.participant_id}", headers=me
    ).status_code in (403, 404)
    # The gateway route needs a gateway token, not a session.
    r = client.get(f"/api/v1/ingest/checkin/participants/{other.participant_id}/week", headers=me)
    assert r.status_code == 401
    # A clinician has no "own week".
    add_account(db_url, "nurse.kim", team="mapo")
    assert (
        client.get("/api/v1/me/week", headers=bearer(token_of(client, "nurse.kim"))).status_code
        == 403
    )
