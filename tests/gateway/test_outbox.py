"""Outbox durability, batching, acknowledgement and the drop-oldest bound."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.outbox import CgmProgress, Outbox, Rejection
from gateway.reading import Reading
from tests.gateway.conftest import DEVICE_CGM, T0, FixedClock, OpenOutbox, heart_rates

pytestmark = pytest.mark.timeout(20)


def test_put_then_peek_returns_readings_in_arrival_order(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(3))
    batch = box.peek_batch(10)
    assert batch is not None
    body = json.loads(batch.body)
    assert [r["value"] for r in body["readings"]] == [60.0, 61.0, 62.0]
    assert body["gateway_id"] == "gw-test"
    assert body["sequence"] == 1


def test_peek_on_empty_outbox_returns_none(open_outbox: OpenOutbox) -> None:
    assert open_outbox().peek_batch(10) is None


def test_peek_respects_batch_size(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(7))
    batch = box.peek_batch(5)
    assert batch is not None
    assert len(batch.reading_ids) == 5


def test_peek_twice_returns_the_same_inflight_batch(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(3))
    first = box.peek_batch(10)
    box.put(heart_rates(2, start=T0 + dt.timedelta(hours=1)))
    assert box.peek_batch(10) == first


def test_inflight_batch_survives_restart_byte_identical(open_outbox: OpenOutbox) -> None:
    clock = FixedClock()
    box = open_outbox(clock=clock)
    box.put(heart_rates(4))
    first = box.peek_batch(10)
    # No close(): the process "dies" here; a new process opens the same file later.
    clock.now = T0 + dt.timedelta(hours=5)
    again = open_outbox(clock=clock).peek_batch(10)
    assert again is not None
    assert first is not None
    assert (again.idempotency_key, again.body, again.sequence) == (
        first.idempotency_key,
        first.body,
        first.sequence,
    )


def test_readings_put_survive_restart_before_any_peek(open_outbox: OpenOutbox) -> None:
    open_outbox().put(heart_rates(5))
    assert open_outbox().depth() == 5


def test_ack_deletes_only_the_acknowledged_readings(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(6))
    batch = box.peek_batch(4)
    assert batch is not None
    assert box.ack(batch.reading_ids) == 4
    assert box.depth() == 2


def test_ack_survives_restart_and_next_batch_has_next_sequence(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(6))
    first = box.peek_batch(4)
    assert first is not None
    box.ack(first.reading_ids)
    second = open_outbox().peek_batch(4)
    assert second is not None
    assert second.sequence == first.sequence + 1
    assert second.idempotency_key != first.idempotency_key
    # Newest first: the first batch took 62-65, the rest follows.
    assert [r["value"] for r in json.loads(second.body)["readings"]] == [60.0, 61.0]


def test_sequence_keeps_increasing_across_restarts(open_outbox: OpenOutbox) -> None:
    sequences = []
    for round_ in range(3):
        box = open_outbox()
        box.put(heart_rates(1, start=T0 + dt.timedelta(minutes=round_)))
        batch = box.peek_batch(10)
        assert batch is not None
        sequences.append(batch.sequence)
        box.ack(batch.reading_ids)
    assert sequences == [1, 2, 3]


def test_rejections_are_logged_with_the_reading_before_deletion(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(2))
    batch = box.peek_batch(10)
    assert batch is not None
    box.ack(batch.reading_ids, [Rejection(batch.reading_ids[1], "value", "implausible")])
    log = open_outbox().rejected()
    assert [(r["field"], r["reason"]) for r in log] == [("value", "implausible")]
    assert log[0]["reading"] == json.loads(batch.body)["readings"][1]
    assert box.depth() == 0


def test_rejection_for_unacknowledged_reading_is_refused(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(2))
    batch = box.peek_batch(10)
    assert batch is not None
    with pytest.raises(ValueError, match="not being acknowledged"):
        box.ack(batch.reading_ids[:1], [Rejection(batch.reading_ids[1], "value", "x")])
    assert box.depth() == 2


def test_dissolved_batch_is_reformed_with_a_new_key(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put(heart_rates(3))
    first = box.peek_batch(10)
    assert first is not None
    box.dissolve_batch(first.sequence)
    second = box.peek_batch(10)
    assert second is not None
    assert second.idempotency_key != first.idempotency_key
    assert second.reading_ids == first.reading_ids


def test_full_outbox_drops_oldest_and_counts(open_outbox: OpenOutbox) -> None:
    box = open_outbox(max_rows=5)
    box.put(heart_rates(4))
    dropped = box.put(heart_rates(3, start=T0 + dt.timedelta(hours=1)))
    assert dropped == 2
    batch = box.peek_batch(10)
    assert batch is not None
    values = [r["value"] for r in json.loads(batch.body)["readings"]]
    assert values == [62.0, 63.0, 60.0, 61.0, 62.0]


def test_drop_counter_persists_across_restart(open_outbox: OpenOutbox) -> None:
    open_outbox(max_rows=3).put(heart_rates(5))
    open_outbox(max_rows=3).put(heart_rates(1, start=T0 + dt.timedelta(hours=1)))
    assert open_outbox(max_rows=3).dropped_total() == 3


def test_full_outbox_never_drops_from_the_inflight_batch(open_outbox: OpenOutbox) -> None:
    box = open_outbox(max_rows=4)
    box.put(heart_rates(3))
    inflight = box.peek_batch(2)
    assert inflight is not None
    box.put(heart_rates(3, start=T0 + dt.timedelta(hours=1)))
    assert box.peek_batch(2) == inflight
    assert box.depth() == 4


def test_cgm_progress_is_stored_with_the_readings(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    reading = Reading(DEVICE_CGM, "glucose", T0, 110.0)
    box.put([reading], CgmProgress(DEVICE_CGM, "2026-11-20T08:00:00", 41))
    assert open_outbox().cgm_progress(DEVICE_CGM) == CgmProgress(
        DEVICE_CGM, "2026-11-20T08:00:00", 41
    )


def test_cgm_progress_never_moves_backwards_within_a_session(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put([], CgmProgress(DEVICE_CGM, "s1", 41))
    box.put([], CgmProgress(DEVICE_CGM, "s1", 12))
    progress = box.cgm_progress(DEVICE_CGM)
    assert progress is not None
    assert progress.last_offset_min == 41


def test_cgm_progress_resets_with_a_new_session(open_outbox: OpenOutbox) -> None:
    box = open_outbox()
    box.put([], CgmProgress(DEVICE_CGM, "s1", 41))
    box.put([], CgmProgress(DEVICE_CGM, "s2", 3))
    assert box.cgm_progress(DEVICE_CGM) == CgmProgress(DEVICE_CGM, "s2", 3)


def test_database_runs_in_wal_mode(open_outbox: OpenOutbox, outbox_path: Path) -> None:
    open_outbox()
    import sqlite3

    with sqlite3.connect(outbox_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_WRITER = """
import datetime as dt, sys
from pathlib import Path
from gateway.outbox import Outbox
from gateway.reading import Reading
box = Outbox(Path(sys.argv[1]), gateway_id="gw-test", max_rows=10**9)
t0 = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
i = 0
while True:
    box.put([Reading("d", "heart_rate", t0 + dt.timedelta(seconds=i + k), 70.0) for k in range(10)])
    i += 10
    batch = box.peek_batch(25)
    if i % 50 == 0 and batch is not None:
        box.ack(batch.reading_ids)
    print(i, flush=True)
"""


def test_sigkill_mid_write_leaves_a_consistent_outbox(tmp_path: Path) -> None:
    path = tmp_path / "killed.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 10
    while int(proc.stdout.readline() or 0) < 300 and time.monotonic() < deadline:
        pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    box = Outbox(path, gateway_id="gw-test", max_rows=10**9)
    try:
        batch = box.peek_batch(25)
        assert batch is not None
        times = [r["measured_at"] for r in json.loads(batch.body)["readings"]]
        assert times == sorted(set(times))  # no duplicate inside the re-sent batch
        assert box.depth() % 10 in (0, 5)  # whole puts only (acks remove 25 at a time)
    finally:
        box.close()


def test_outbox_refuses_a_newer_schema(outbox_path: Path) -> None:
    import sqlite3

    from gateway.errors import OutboxError

    with sqlite3.connect(outbox_path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(OutboxError, match="schema version 99"):
        Outbox(outbox_path, gateway_id="gw", max_rows=10)


def test_a_full_outbox_logs_drops_sparingly(
    open_outbox: OpenOutbox, caplog: pytest.LogCaptureFixture
) -> None:
    box = open_outbox(max_rows=5)
    box.put(heart_rates(5))
    for i in range(50):
        box.put(heart_rates(1, start=T0 + dt.timedelta(hours=1, seconds=i)))
    assert box.dropped_total() == 50
    assert len([r for r in caplog.records if "outbox full" in r.message]) == 1


def test_rejected_log_keeps_only_the_newest_entries(
    open_outbox: OpenOutbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway.outbox

    monkeypatch.setattr(gateway.outbox, "REJECTED_KEEP", 3)
    box = open_outbox()
    box.put(heart_rates(5))
    batch = box.peek_batch(10)
    assert batch is not None
    box.ack(batch.reading_ids, [Rejection(i, "value", str(i)) for i in batch.reading_ids])
    assert [r["reason"] for r in box.rejected()] == [str(i) for i in batch.reading_ids[-3:]]


def test_depth_matches_a_real_count_after_mixed_operations(
    open_outbox: OpenOutbox, outbox_path: Path
) -> None:
    import random
    import sqlite3

    rng = random.Random(7)
    box = open_outbox(max_rows=40)
    for step in range(200):
        action = rng.choice(["put", "put", "ack", "dissolve"])
        if action == "put":
            box.put(heart_rates(rng.randint(0, 9), start=T0 + dt.timedelta(minutes=step)))
        batch = box.peek_batch(rng.randint(1, 15))
        if batch is not None and action == "ack":
            box.ack(batch.reading_ids)
        elif batch is not None and action == "dissolve":
            box.dissolve_batch(batch.sequence)
    with sqlite3.connect(outbox_path) as db:
        real = db.execute("SELECT count(*) FROM readings").fetchone()[0]
    assert box.depth() == real
    assert real <= 40


def test_live_readings_and_glucose_go_first_even_behind_a_day_of_backlog(
    open_outbox: OpenOutbox,
) -> None:
    clock = FixedClock(T0 + dt.timedelta(days=1))
    box = open_outbox(max_rows=200_000, clock=clock)
    box.put(heart_rates(86_400))  # a day of back-filled heart rate, oldest first
    old_glucose = Reading(DEVICE_CGM, "glucose", T0 + dt.timedelta(hours=3), 95.0)
    live = heart_rates(2, start=clock.now - dt.timedelta(seconds=2))
    box.put([old_glucose])
    box.put(live)
    batch = box.peek_batch(100)
    assert batch is not None
    sent = json.loads(batch.body)["readings"]
    assert len(sent) == 100
    assert sent[-3:] == [r.to_json() for r in [old_glucose, *live]]  # arrival order
    # The rest of the batch is the newest of the backlog, not its oldest hour.
    backlog_times = [dt.datetime.fromisoformat(r["measured_at"]) for r in sent[:-3]]
    assert min(backlog_times) > clock.now - dt.timedelta(minutes=5)


def _version_1_outbox(path: Path, readings: list[Reading], inflight: int) -> bytes:
    """A file as the previous gateway release left it: readings, one batch in flight."""
    import sqlite3

    from gateway.outbox_schema import STEPS

    body = b'{"sequence":1,"readings":["in flight"]}'
    with sqlite3.connect(path) as db:
        for statement in STEPS[0]:
            db.execute(statement)
        db.executemany(
            "INSERT INTO readings (reading, batch_seq) VALUES (?, ?)",
            [
                (json.dumps(r.to_json(), separators=(",", ":")), 1 if i < inflight else None)
                for i, r in enumerate(readings)
            ],
        )
        ids = list(range(1, inflight + 1))
        db.execute("INSERT INTO batches VALUES (1, 'key-1', ?, ?)", (body, json.dumps(ids)))
        db.execute("INSERT INTO meta VALUES ('next_sequence', '2')")
        db.execute("PRAGMA user_version = 1")
    return body


def test_a_version_1_outbox_is_upgraded_without_losing_or_reordering_anything(
    outbox_path: Path,
) -> None:
    old = heart_rates(5, start=T0 - dt.timedelta(hours=2))
    glucose = [Reading(DEVICE_CGM, "glucose", T0 - dt.timedelta(hours=1, microseconds=7), 80.0)]
    body = _version_1_outbox(outbox_path, old + glucose, inflight=2)
    box = Outbox(outbox_path, gateway_id="gw-test", max_rows=100, clock=FixedClock())
    try:
        import sqlite3

        from gateway.priority import epoch_us

        with contextlib.closing(sqlite3.connect(outbox_path)) as db:
            columns = db.execute(
                "SELECT device_id, metric, measured_us FROM readings ORDER BY id"
            ).fetchall()
        assert columns == [(r.device_id, r.metric, epoch_us(r.measured_at)) for r in old + glucose]
        inflight = box.peek_batch(2)
        assert inflight is not None
        assert (inflight.sequence, inflight.idempotency_key, inflight.body) == (1, "key-1", body)
        box.ack(inflight.reading_ids)
        upgraded = box.peek_batch(2)
        assert upgraded is not None
        # The glucose reading (urgent at any age) and the newest heart rate of the backlog.
        sent = json.loads(upgraded.body)["readings"]
        assert sent == [old[4].to_json(), glucose[0].to_json()]
        assert box.depth() == 4
    finally:
        box.close()


def test_depth_counts_readings_another_process_put_into_the_same_file(
    open_outbox: OpenOutbox,
) -> None:
    box, other = open_outbox(), open_outbox()
    box.put(heart_rates(3))
    assert box.depth() == 3
    other.put(heart_rates(4, start=T0 + dt.timedelta(hours=1)))
    assert box.depth() == 7
    batch = box.peek_batch(10)
    assert batch is not None
    box.ack(batch.reading_ids)
    assert (box.depth(), other.depth()) == (0, 0)
