"""The alert engine on a real PostgreSQL with a simulated clock (docs/clinical.md "Alerts")."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from ingest.alerts.actions import Actor, AlertActionError, acknowledge, snooze
from ingest.alerts.worker import Worker
from tests.ingest.alerts.helpers import (
    LOW,
    SimClock,
    alerts_of,
    cgm_rows,
    heartbeat,
    hr_rows,
    start_of_real_minute,
    store,
)
from tests.ingest.conftest import Home, enrol_home

M = dt.timedelta(minutes=1)


@pytest.fixture
def t0() -> dt.datetime:
    """Six hours before now, on the 5-minute grid: the simulated data start here."""
    return start_of_real_minute() - 6 * dt.timedelta(hours=1)


@pytest.fixture
def worker_at(db_url: str, t0: dt.datetime) -> Iterator[tuple[Worker, SimClock]]:
    clock = SimClock(t0)
    worker = Worker(db_url, clock=clock)
    yield worker, clock
    worker.close()


def _clinician(url: str) -> Actor:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "INSERT INTO accounts (username, role, password_hash) VALUES (%s, 'clinician', 'x')"
            " RETURNING account_id",
            (f"nurse{uuid.uuid4().hex[:6]}",),
        ).fetchone()
    assert row is not None
    return Actor(uuid.UUID(str(row[0])), "clinician")


def _feed(url: str, home: Home, clock: SimClock, t0: dt.datetime, first: int, values: list) -> None:
    """Store CGM readings number ``first``... and set the clock to the newest one."""
    store(url, cgm_rows(home, t0 + 5 * first * M, values))
    clock.now = t0 + 5 * (first + len(values) - 1) * M


def _steps(url: str, alert_id: object) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT step FROM notifications WHERE alert_id = %s AND sent_at IS NOT NULL"
            " ORDER BY notification_id",
            (alert_id,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def _events(url: str, alert_id: object) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT action FROM alert_events WHERE alert_id = %s ORDER BY event_id", (alert_id,)
        ).fetchall()
    return [str(r[0]) for r in rows]


def _open_hypo(db_url: str, home: Home, worker: Worker, clock: SimClock, t0: dt.datetime) -> None:
    _feed(db_url, home, clock, t0, 0, [110.0] * 24 + [50.0] * 3)
    worker.run_pass()


def test_hypo_level2_opens_once_at_fifteen_minutes_and_rearms_after_recovery(
    db_url: str, home: Home, worker_at: tuple[Worker, SimClock], t0: dt.datetime
) -> None:
    worker, clock = worker_at
    _feed(db_url, home, clock, t0, 0, [110.0] * 24 + [50.0] * 2)
    worker.run_pass()
    assert alerts_of(db_url, home.participant_id, "hypo_level2") == []  # 10 min below 54

    _feed(db_url, home, clock, t0, 26, [50.0])  # the third reading: 15 min below 54
    worker.run_pass()
    (alert,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert (alert["priority"], alert["kind"], alert["state"]) == ("HIGH", "physiological", "OPEN")
    assert (alert["rule_version"], alert["occurrence_count"], alert["worst_value"]) == (
        "1",
        1,
        50.0,
    )
    assert alert["first_seen"] == t0 + 120 * M
    assert alert["retrospective"] is False
    assert alert["evidence"]["window"]["start"] == (t0 + 120 * M).isoformat()
    assert alert["evidence"]["values"]["threshold_mg_dl"] == 54.0
    assert len(alerts_of(db_url, home.participant_id, "hypo_level1")) == 1

    _feed(db_url, home, clock, t0, 27, [45.0, 47.0])  # more low readings: same alert
    worker.run_pass()
    (alert,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert (alert["worst_value"], alert["last_seen"], alert["tracking"]) == (45.0, clock.now, True)

    _feed(db_url, home, clock, t0, 29, [110.0] * 6)  # 30 min back in range
    worker.run_pass()
    (alert,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert alert["episode_ended_at"] is not None
    assert alert["tracking"] is False  # re-armed
    assert "rearmed" in _events(db_url, alert["alert_id"])

    _feed(db_url, home, clock, t0, 35, [52.0] * 3)  # a new episode: a second alert
    worker.run_pass()
    first, second = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert first["alert_id"] == alert["alert_id"]
    assert (second["first_seen"], second["tracking"]) == (t0 + 175 * M, True)


def test_fifteen_minutes_of_sensor_low_raise_hypo_level2(
    db_url: str, home: Home, worker_at: tuple[Worker, SimClock], t0: dt.datetime
) -> None:
    worker, clock = worker_at
    _feed(db_url, home, clock, t0, 0, [90.0] * 12 + [LOW] * 3)
    worker.run_pass()
    (alert,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert (alert["priority"], alert["worst_value"]) == ("HIGH", 39.0)


def test_high_escalates_at_5_15_30_minutes_and_medium_at_30_120(
    db_url: str, home: Home, worker_at: tuple[Worker, SimClock], t0: dt.datetime
) -> None:
    worker, clock = worker_at
    _open_hypo(db_url, home, worker, clock, t0)
    opened = clock.now
    (high,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    (medium,) = alerts_of(db_url, home.participant_id, "hypo_level1")
    expected = {
        4: (["notify"], ["notify"]),
        5: (["notify", "renotify"], ["notify"]),
        14: (["notify", "renotify"], ["notify"]),
        15: (["notify", "renotify", "on_call"], ["notify"]),
        30: (["notify", "renotify", "on_call", "emergency"], ["notify", "on_call"]),
        119: (["notify", "renotify", "on_call", "emergency"], ["notify", "on_call"]),
        120: (["notify", "renotify", "on_call", "emergency"], ["notify", "on_call", "emergency"]),
    }
    for minutes, (high_steps, medium_steps) in expected.items():
        clock.now = opened + minutes * M
        worker.run_pass()
        assert _steps(db_url, high["alert_id"]) == high_steps, minutes
        assert _steps(db_url, medium["alert_id"]) == medium_steps, minutes
    assert _events(db_url, high["alert_id"]).count("escalated") == 2
    with psycopg.connect(db_url) as conn:
        audited = conn.execute(
            "SELECT count(*) FROM audit_log WHERE resource = %s AND action LIKE 'alert.%%'",
            (f"alert/{high['alert_id']}",),
        ).fetchone()
    assert audited is not None
    assert audited[0] == len(_events(db_url, high["alert_id"]))


def test_acknowledge_stops_escalation_and_high_cannot_be_snoozed(
    db_url: str, home: Home, worker_at: tuple[Worker, SimClock], t0: dt.datetime
) -> None:
    worker, clock = worker_at
    _open_hypo(db_url, home, worker, clock, t0)
    opened = clock.now
    (high,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    (medium,) = alerts_of(db_url, home.participant_id, "hypo_level1")
    nurse = _clinician(db_url)
    clock.now = opened + 5 * M
    worker.run_pass()
    with (
        psycopg.connect(db_url) as conn,
        pytest.raises(AlertActionError, match="HIGH alerts cannot be snoozed"),
    ):
        snooze(conn, high["alert_id"], nurse, opened, 30, "eating")
    with psycopg.connect(db_url) as conn:
        with pytest.raises(AlertActionError, match="needs a reason"):
            snooze(conn, medium["alert_id"], nurse, opened, 30, " ")
        acknowledge(conn, high["alert_id"], nurse, opened + 6 * M)
        snooze(conn, medium["alert_id"], nurse, opened + 6 * M, 60, "patient is eating")
    for minutes in (15, 30, 65):
        clock.now = opened + minutes * M
        worker.run_pass()
    assert _steps(db_url, high["alert_id"]) == ["notify", "renotify"]
    assert _steps(db_url, medium["alert_id"]) == ["notify"]  # snoozed past +30
    clock.now = opened + 67 * M  # the snooze expired at +66: the overdue step runs
    worker.run_pass()
    assert _steps(db_url, medium["alert_id"]) == ["notify", "on_call"]
    (high,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert (high["state"], high["acknowledged_by"]) == ("ACKNOWLEDGED", nurse.account_id)


def test_an_episode_that_ended_long_before_its_data_arrived_is_retrospective(
    db_url: str, home: Home, worker_at: tuple[Worker, SimClock], t0: dt.datetime
) -> None:
    worker, clock = worker_at
    # A back-fill arriving at t0 + 4 h: the hypo ended at t0 + 2 h 10 min.
    store(db_url, cgm_rows(home, t0, [110.0] * 24 + [50.0] * 3 + [110.0] * 20))
    clock.now = t0 + 4 * dt.timedelta(hours=1)
    worker.run_pass()
    (alert,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert alert["retrospective"] is True
    assert alert["next_escalation_at"] is None
    for minutes in (5, 30):
        clock.now += minutes * M
        worker.run_pass()
    assert _steps(db_url, alert["alert_id"]) == []  # nobody is paged hours late


def test_an_ongoing_episode_revealed_by_backfill_is_live(
    db_url: str, home: Home, worker_at: tuple[Worker, SimClock], t0: dt.datetime
) -> None:
    worker, clock = worker_at
    _feed(db_url, home, clock, t0, 0, [110.0] * 24 + [50.0] * 6)  # all at once, still low
    worker.run_pass()
    (alert,) = alerts_of(db_url, home.participant_id, "hypo_level2")
    assert alert["retrospective"] is False
    assert _steps(db_url, alert["alert_id"]) == ["notify"]


def test_stale_device_names_the_radio_hop_and_gateway_offline_the_uplink(
    db_url: str, home: Home, worker_at: tuple[Worker, SimClock], t0: dt.datetime
) -> None:
    worker, clock = worker_at
    store(db_url, hr_rows(home, t0, 60, 70.0) + cgm_rows(home, t0, [100.0]))
    # The gateway is alive and last saw the strap and the CGM at t0 (now out of range).
    clock.now = t0 + 20 * M
    heartbeat(db_url, home, clock.now, {home.hr_device: t0, home.cgm_device: t0})
    worker.run_pass(force_timer=True)
    (stale,) = alerts_of(db_url, home.participant_id, "stale_device")
    assert (stale["kind"], stale["priority"]) == ("technical", "LOW")
    assert stale["context"] == {
        "device_id": str(home.hr_device),
        "device_kind": "hr",
        "hop": "wearable->gateway",
    }
    assert alerts_of(db_url, home.participant_id, "gateway_offline") == []

    clock.now = t0 + 40 * M  # no heartbeat for 20 min: the gateway's link is down
    worker.run_pass(force_timer=True)
    (offline,) = alerts_of(db_url, home.participant_id, "gateway_offline")
    assert offline["context"]["hop"] == "gateway->server"
    assert offline["context"]["gateway_id"] == str(home.gateway_id)
    stale_alerts = alerts_of(db_url, home.participant_id, "stale_device")
    assert {a["episode_key"] for a in stale_alerts} == {str(home.hr_device), str(home.cgm_device)}


def test_two_workers_racing_create_each_alert_once(db_url: str, t0: dt.datetime) -> None:
    homes = [enrol_home(db_url, f"Participant {i}") for i in range(12)]
    clocks = [SimClock(t0 + 130 * M) for _ in range(2)]
    workers = [Worker(db_url, clock=c) for c in clocks]
    try:
        for round_ in range(3):  # each round adds more low readings to every participant
            values = [110.0] * 24 + [50.0] * (3 + round_) if round_ == 0 else [48.0]
            first = 0 if round_ == 0 else 26 + round_
            for h in homes:
                store(db_url, cgm_rows(h, t0 + 5 * first * M, values))
            for c in clocks:
                c.now = t0 + (130 + 5 * round_) * M
            threads = [threading.Thread(target=w.run_pass) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
    finally:
        for w in workers:
            w.close()
    for h in homes:
        (alert,) = alerts_of(db_url, h.participant_id, "hypo_level2")
        assert alert["worst_value"] == 48.0
        assert _events(db_url, alert["alert_id"]).count("opened") == 1
