"""Silence is counted from enrolment: a participant enrolled a minute ago, whose gateway
and wearables have not reported yet, raises no technical alert until the limits pass."""

from __future__ import annotations

import datetime as dt

import psycopg

from ingest.alerts.worker import Worker
from tests.ingest.alerts.helpers import SimClock, alerts_of
from tests.ingest.conftest import Home

M = dt.timedelta(minutes=1)
TECHNICAL = ("stale_device", "gateway_offline")


def test_a_new_home_is_not_stale_or_offline_before_its_limits(db_url: str, home: Home) -> None:
    clock = SimClock(dt.datetime.now(dt.UTC) + M)
    worker = Worker(db_url, clock=clock)
    try:
        worker.run_pass(force_timer=True)
        assert [alerts_of(db_url, home.participant_id, r) for r in TECHNICAL] == [[], []]
        # 20 min after enrolment and still nothing: HR stale (15 min), gateway (10 min),
        # CGM not yet (30 min).
        clock.now += 19 * M
        worker.run_pass(force_timer=True)
        stale = alerts_of(db_url, home.participant_id, "stale_device")
        assert [a["episode_key"] for a in stale] == [str(home.hr_device)]
        assert len(alerts_of(db_url, home.participant_id, "gateway_offline")) == 1
    finally:
        worker.close()


def test_the_timer_pass_gives_the_queue_a_turn_every_slice(db_url: str) -> None:
    from ingest.alerts.engine import TIMER_SLICE, EngineSettings, timer_pass
    from tests.ingest.conftest import enrol_home

    for n in range(2 * TIMER_SLICE + 1):
        enrol_home(db_url, f"Participant {n}")
    turns: list[int] = []
    with psycopg.connect(db_url, autocommit=True) as conn:
        timer_pass(conn, dt.datetime.now(dt.UTC), EngineSettings(), between=lambda: turns.append(1))
    assert len(turns) == 2  # after participants 25 and 50 of 51
