"""Check-ins in the outbox database: progress survives a restart, a completed one keeps
one Idempotency-Key and body until acknowledged, a refused one is kept, not resent."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from gateway.checkin_queue import CheckinQueue
from gateway.outbox import Outbox
from gateway.outbox_schema import SCHEMA_VERSION, STEPS
from tests.gateway.conftest import FixedClock, OpenOutbox, heart_rates

P1, P2 = "participant-1", "participant-2"


def test_progress_survives_reopening_the_outbox(open_outbox: OpenOutbox) -> None:
    first = open_outbox()
    CheckinQueue(first).save_progress(P1, "gds15", {"position": 3})
    CheckinQueue(first).save_progress(P1, "gds15", {"position": 4})
    first.close()  # the gateway restarts
    again = CheckinQueue(open_outbox())
    assert again.open_state(P1, "gds15") == {"position": 4}
    assert again.open_state(P2, "gds15") is None
    assert again.next_pending() is None


def test_completed_checkin_keeps_its_key_and_body_across_a_restart(
    open_outbox: OpenOutbox,
) -> None:
    first = open_outbox()
    queue = CheckinQueue(first)
    queue.save_progress(P1, "gds15", {"position": 14})
    key = queue.complete(P1, "gds15", {"position": 15}, b'{"answers":[]}')
    before = queue.next_pending()
    first.close()
    after = CheckinQueue(open_outbox()).next_pending()
    assert before is not None
    assert after == before
    assert (after.idempotency_key, after.body, after.participant_id) == (
        key,
        b'{"answers":[]}',
        P1,
    )


def test_completing_closes_the_open_checkin_and_a_new_one_can_start(box: Outbox) -> None:
    queue = CheckinQueue(box)
    queue.save_progress(P1, "gds15", {"position": 1})
    queue.complete(P1, "gds15", {"position": 15}, b"{}")
    assert queue.open_state(P1, "gds15") is None
    queue.save_progress(P1, "gds15", {"position": 0})
    assert queue.open_state(P1, "gds15") == {"position": 0}
    assert queue.pending_count() == 1
    assert queue.pending_count(P1) == 1
    assert queue.pending_count(P2) == 0


def test_acknowledged_is_deleted_and_rejected_is_kept_but_not_resent(box: Outbox) -> None:
    queue = CheckinQueue(box)
    queue.complete(P1, "gds15", {}, b"first")
    queue.complete(P2, "gds15", {}, b"second")
    first = queue.next_pending()
    assert first is not None
    assert first.body == b"first"
    queue.reject(first.id, 422, "answers.3.answer: expected yes, no or skip")
    second = queue.next_pending()
    assert second is not None
    assert second.body == b"second"
    queue.acknowledge(second.id)
    assert queue.next_pending() is None
    (kept,) = queue.rejected()
    assert (kept.participant_id, kept.body, kept.http_status) == (P1, b"first", 422)
    assert "answers.3.answer" in kept.reason


def test_checkins_do_not_touch_readings(box: Outbox) -> None:
    box.put(heart_rates(3))
    queue = CheckinQueue(box)
    queue.complete(P1, "gds15", {}, b"{}")
    assert box.depth() == 3
    batch = box.peek_batch(10)
    assert batch is not None
    assert len(batch.reading_ids) == 3


def test_a_version_2_outbox_gains_the_checkins_table_and_keeps_its_readings(
    outbox_path: Path,
) -> None:
    with contextlib.closing(sqlite3.connect(outbox_path)) as db:
        for step in STEPS[:2]:
            for statement in step:
                db.execute(statement)
        db.execute(
            "INSERT INTO readings (reading, device_id, metric, measured_us) "
            "VALUES ('{}', 'd', 'heart_rate', 1)"
        )
        db.execute("PRAGMA user_version = 2")
        db.commit()
    box = Outbox(outbox_path, gateway_id="gw-test", max_rows=100, clock=FixedClock())
    try:
        assert box.depth() == 1
        CheckinQueue(box).save_progress(P1, "gds15", {"position": 0})
    finally:
        box.close()
    with contextlib.closing(sqlite3.connect(outbox_path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
