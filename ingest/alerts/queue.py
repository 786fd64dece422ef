"""The evaluation queue: ingestion marks participants with new data, workers claim them.

Ingestion upserts one row per affected participant inside its own transaction and sends
``NOTIFY wearmon_ingest`` (delivered only when that transaction commits), one statement
per batch. A worker claims rows with ``FOR UPDATE SKIP LOCKED`` and, for the time it
evaluates a participant, holds a session advisory lock on that participant, so one
participant is evaluated by one worker at a time even across processes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import psycopg

#: The channel ingestion notifies and workers LISTEN on.
CHANNEL: Final = "wearmon_ingest"

#: ``pending`` bits: what kind of data arrived since the participant was last claimed.
GLUCOSE: Final = 1
HEART: Final = 2
OTHER: Final = 4  # battery and anything else: technical rules only
CHECKIN: Final = 8  # a wellbeing check-in arrived: the wellbeing rules at once
_METRIC_BITS: Final = {"glucose": GLUCOSE, "heart_rate": HEART, "rr_interval": HEART}
#: Bits that make a row due at once (heart-only rows keep a deferred due time). New work
#: is due at '-infinity' rather than at the database's now(): due times are compared
#: with the worker's clock only (injectable), never mixed with the server's.
_URGENT: Final = GLUCOSE | OTHER | CHECKIN

# Rows in participant order so that two batches touching the same participants take the
# row locks in the same order (no deadlock between uploaders).
_ENQUEUE: Final = f"""
    WITH q AS (
        INSERT INTO evaluation_queue AS q (participant_id, pending, due_at)
        SELECT p, b, '-infinity' FROM unnest(%s::uuid[], %s::smallint[]) AS t(p, b) ORDER BY p
        ON CONFLICT (participant_id) DO UPDATE SET
            newest_received_at = now(),
            pending = q.pending | excluded.pending,
            due_at = CASE WHEN excluded.pending & {_URGENT} <> 0
                          THEN '-infinity' ELSE q.due_at END
        RETURNING 1
    )
    SELECT pg_notify('{CHANNEL}', '') FROM (SELECT count(*) FROM q) AS done
"""


def metric_bit(metric: str) -> int:
    """The ``pending`` bit of a reading's metric."""
    return _METRIC_BITS.get(metric, OTHER)


def pending_bits(rows: Iterable[tuple[uuid.UUID, str]]) -> dict[uuid.UUID, int]:
    """Participant -> bit set of what arrived, from (participant, metric) pairs."""
    out: dict[uuid.UUID, int] = {}
    for participant, metric in rows:
        out[participant] = out.get(participant, 0) | metric_bit(metric)
    return out


async def enqueue(
    conn: psycopg.AsyncConnection[tuple[object, ...]], pending: Mapping[uuid.UUID, int]
) -> None:
    """Mark participants for evaluation and wake the workers (inside the caller's transaction)."""
    if not pending:
        return
    ids = sorted(pending)
    await conn.execute(_ENQUEUE, (ids, [pending[p] for p in ids]))


def enqueue_sync(
    conn: psycopg.Connection[tuple[object, ...]], pending: Mapping[uuid.UUID, int]
) -> None:
    """:func:`enqueue` on a synchronous connection (tools, benchmarks, the timer)."""
    if not pending:
        return
    ids = sorted(pending)
    conn.execute(_ENQUEUE, (ids, [pending[p] for p in ids]))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A participant taken off the queue by this worker."""

    participant_id: uuid.UUID
    pending: int
    enqueued_at: dt.datetime
    newest_received_at: dt.datetime


def _lock_key(participant_id: uuid.UUID) -> int:
    """A signed 64-bit advisory-lock key for a participant (from its UUID)."""
    return int.from_bytes(participant_id.bytes[:8], "big", signed=True)


def try_lock_participant(conn: psycopg.Connection[tuple[object, ...]], pid: uuid.UUID) -> bool:
    """Take the session advisory lock of a participant; False if another worker holds it."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_lock_key(pid),)).fetchone()
    return bool(row and row[0])


def unlock_participant(conn: psycopg.Connection[tuple[object, ...]], pid: uuid.UUID) -> None:
    """Release the lock of :func:`try_lock_participant`."""
    conn.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(pid),))


_CANDIDATES: Final = """
    SELECT participant_id, pending, enqueued_at, newest_received_at FROM evaluation_queue
    WHERE due_at <= %s
    ORDER BY (pending & 1) = 0, due_at
    LIMIT %s
    FOR UPDATE SKIP LOCKED
"""


def claim(
    conn: psycopg.Connection[tuple[object, ...]], now: dt.datetime, limit: int
) -> list[Claimed]:
    """Take up to ``limit`` due participants off the queue, glucose first.

    ``conn`` must be in autocommit mode: the claim is its own short transaction (so that
    ingestion's upsert never waits behind an evaluation). Each returned participant is
    locked for this session; the caller evaluates it and then calls
    :func:`unlock_participant`. A participant another worker is evaluating stays queued.
    """
    out: list[Claimed] = []
    with conn.transaction():
        rows = conn.execute(_CANDIDATES, (now, limit)).fetchall()
        for pid, pending, enqueued, newest in rows:
            participant = uuid.UUID(str(pid))
            if not try_lock_participant(conn, participant):
                continue
            conn.execute("DELETE FROM evaluation_queue WHERE participant_id = %s", (participant,))
            assert isinstance(enqueued, dt.datetime)
            assert isinstance(newest, dt.datetime)
            out.append(Claimed(participant, int(str(pending)), enqueued, newest))
    return out


def defer(
    conn: psycopg.Connection[tuple[object, ...]],
    participant_id: uuid.UUID,
    pending: int,
    due_at: dt.datetime,
    received_at: dt.datetime,
) -> None:
    """Put work back on the queue for later (e.g. heart rules inside their interval)."""
    conn.execute(
        "INSERT INTO evaluation_queue AS q (participant_id, pending, due_at, newest_received_at)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (participant_id) DO UPDATE SET"
        " pending = q.pending | excluded.pending, due_at = least(q.due_at, excluded.due_at)",
        (participant_id, pending, due_at, received_at),
    )
