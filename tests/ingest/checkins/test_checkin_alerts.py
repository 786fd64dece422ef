"""Check-ins through the alert engine: mood_screen, checkin_risk, checkin_missed, with
their events, audit rows, API listing and triage order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from ingest.alerts import queue
from ingest.alerts.worker import Worker
from tests.ingest.alerts.helpers import SimClock, alerts_of
from tests.ingest.auth.helpers import add_account, assign, bearer, token_of
from tests.ingest.checkins.helpers import checkin, gds_answers, post_checkin
from tests.ingest.conftest import Home, enrol_home, make_settings, serve_in_thread

pytestmark = pytest.mark.db

WEEK = dt.timedelta(days=7)


@pytest.fixture
def api(db_url: str) -> Iterator[str]:
    """An API accepting check-ins from the last six weeks (a back-filled history)."""
    yield from serve_in_thread(make_settings(db_url, buffer_window_days=60.0))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _worker_pass(db_url: str, at: dt.datetime) -> None:
    worker = Worker(db_url, clock=SimClock(at))
    try:
        worker.run_pass(force_timer=True)
    finally:
        worker.close()


def test_a_positive_weekly_screen_opens_one_mood_screen_alert(
    api: str, home: Home, db_url: str
) -> None:
    now = _now()
    for weeks_ago, points in ((3, 2), (2, 9), (1, 10)):
        r = post_checkin(api, home, checkin(home, gds_answers(points), now - weeks_ago * WEEK))
        assert r.status_code == 200, r.text
    _worker_pass(db_url, now)
    (alert,) = alerts_of(db_url, home.participant_id, "mood_screen")
    assert (alert["priority"], alert["kind"], alert["state"]) == ("MEDIUM", "wellbeing", "OPEN")
    assert alert["retrospective"] is False
    assert alert["first_seen"] == now - 2 * WEEK  # the first positive screen of the run
    assert alert["worst_value"] == 10.0
    assert alerts_of(db_url, home.participant_id, "checkin_missed") == []
    # Evaluated again (the timer): still one alert.
    _worker_pass(db_url, now + dt.timedelta(minutes=1))
    assert len(alerts_of(db_url, home.participant_id, "mood_screen")) == 1
    with psycopg.connect(db_url) as conn:
        events = conn.execute(
            "SELECT action FROM alert_events WHERE alert_id = %s ORDER BY event_id",
            (alert["alert_id"],),
        ).fetchall()
        audits = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'alert.opened' AND resource = %s",
            (f"alert/{alert['alert_id']}",),
        ).fetchone()
    assert [e[0] for e in events][:2] == ["opened", "notified"]
    assert audits is not None
    assert audits[0] == 1


def test_a_negative_screen_rearms_and_the_next_positive_opens_anew(
    api: str, home: Home, db_url: str
) -> None:
    now = _now()
    post_checkin(api, home, checkin(home, gds_answers(9), now - 2 * WEEK))
    _worker_pass(db_url, now - 2 * WEEK + dt.timedelta(minutes=1))
    post_checkin(api, home, checkin(home, gds_answers(3), now - WEEK))
    _worker_pass(db_url, now - WEEK + dt.timedelta(hours=1))
    (first,) = alerts_of(db_url, home.participant_id, "mood_screen")
    assert first["tracking"] is False
    post_checkin(api, home, checkin(home, gds_answers(8), now))
    _worker_pass(db_url, now + dt.timedelta(minutes=1))
    assert len(alerts_of(db_url, home.participant_id, "mood_screen")) == 2


def test_a_rise_of_three_between_weeks_raises_mood_screen(
    api: str, home: Home, db_url: str
) -> None:
    now = _now()
    post_checkin(api, home, checkin(home, gds_answers(1), now - WEEK))
    post_checkin(api, home, checkin(home, gds_answers(5), now))
    _worker_pass(db_url, now + dt.timedelta(minutes=1))
    (alert,) = alerts_of(db_url, home.participant_id, "mood_screen")
    assert alert["context"]["reason"] == "rise"


def test_a_risk_answer_raises_a_high_alert_at_once(home: Home, db_url: str) -> None:
    # No shipped instrument has a risk item: store one as the upload path would.
    now = _now()
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO checkins (participant_id, gateway_id, idempotency_key, body_sha256,"
            " instrument, instrument_version, completed_at, score, points, answered, skipped,"
            " prorated, positive, cutoff, risk) VALUES (%s, %s, 'k', '\\x00', 'risk_test',"
            " '1', %s, NULL, 0, 3, 12, false, NULL, NULL, true)",
            (home.participant_id, home.gateway_id, now),
        )
        queue.enqueue_sync(conn, {home.participant_id: queue.CHECKIN})
    _worker_pass(db_url, now + dt.timedelta(seconds=1))
    (alert,) = alerts_of(db_url, home.participant_id, "checkin_risk")
    assert (alert["priority"], alert["kind"]) == ("HIGH", "wellbeing")
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM notifications WHERE alert_id = %s", (alert["alert_id"],)
        ).fetchone()
    assert row is not None
    assert row[0] >= 1


def test_three_missed_weekly_checkins_raise_checkin_missed(
    api: str, home: Home, db_url: str
) -> None:
    now = _now()
    post_checkin(api, home, checkin(home, gds_answers(2), now))
    _worker_pass(db_url, now + 27 * dt.timedelta(days=1))
    assert alerts_of(db_url, home.participant_id, "checkin_missed") == []
    _worker_pass(db_url, now + 29 * dt.timedelta(days=1))
    (alert,) = alerts_of(db_url, home.participant_id, "checkin_missed")
    assert (alert["priority"], alert["kind"]) == ("LOW", "technical")


def test_the_care_team_sees_it_in_the_alert_list_and_triage(
    api: str, home: Home, db_url: str
) -> None:
    quiet = enrol_home(db_url, "Park Sun-hee")
    now = _now()
    post_checkin(api, home, checkin(home, gds_answers(12), now))
    _worker_pass(db_url, now + dt.timedelta(minutes=1))
    add_account(db_url, "nurse.kim", team="mapo")
    assign(db_url, "mapo", home.participant_id)
    assign(db_url, "mapo", quiet.participant_id)
    with httpx.Client(base_url=api, timeout=30) as client:
        auth = bearer(token_of(client, "nurse.kim"))
        r = client.get(
            "/api/v1/alerts",
            params={"participant_id": str(home.participant_id), "kind": "wellbeing"},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        assert [a["rule_id"] for a in r.json()["items"]] == ["mood_screen"]
        triage = client.get("/api/v1/triage", headers=auth)
        assert triage.status_code == 200, triage.text
        items = triage.json()["items"]
        first = items[0]
        assert first["participant_id"] == str(home.participant_id)
        assert first["highest_priority"] == "MEDIUM"
        assert first["alerts"]["wellbeing"]["MEDIUM"] == 1
