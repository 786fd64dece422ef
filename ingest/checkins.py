"""Storing a gateway's check-in exactly once, scored by the server.

The score is computed here from the instrument file (``checkins``), never taken from
the gateway. Exactly once: the (gateway, Idempotency-Key) pair and the (participant,
instrument, completed_at) triple are unique; a replay of the key with the same body,
or the same check-in under a new key, answers what the first upload was answered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import psycopg

from checkins import Answer, InstrumentError, load_instrument, score_answers
from checkins.scoring import AnswerValue, Score
from ingest.alerts.queue import CHECKIN, enqueue
from ingest.errors import IngestError
from ingest.ingestion import Forbidden, IdempotencyConflict, Revoked
from ingest.storage.gateways import GatewayIdentity, gateway_active
from ingest.validation import TimeWindow

AsyncConn = psycopg.AsyncConnection[tuple[object, ...]]

_KEY_REUSED = (
    "Idempotency-Key was already used for a different check-in; send a new check-in under a new key"
)


class CheckinRejected(IngestError):
    """The check-in does not fit its instrument or the time window (422 naming ``field``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class AnswerLike(Protocol):
    @property
    def item(self) -> int: ...
    @property
    def answer(self) -> AnswerValue: ...
    @property
    def answered_at(self) -> dt.datetime: ...


class CheckinLike(Protocol):
    @property
    def gateway_id(self) -> str: ...
    @property
    def participant_id(self) -> uuid.UUID: ...
    @property
    def instrument(self) -> str: ...
    @property
    def instrument_version(self) -> str: ...
    @property
    def completed_at(self) -> dt.datetime: ...
    @property
    def answers(self) -> Sequence[AnswerLike]: ...


@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    checkin_id: uuid.UUID
    duplicate: bool
    score: int | None
    scoring: str
    positive: bool | None
    cutoff: int | None
    risk: bool


def judge(checkin: CheckinLike, window: TimeWindow) -> tuple[Score, bool]:
    """Score ``checkin`` against its instrument file; CheckinRejected names the field."""
    try:
        instrument = load_instrument(checkin.instrument)
    except InstrumentError as exc:
        raise CheckinRejected("instrument", str(exc)) from None
    if checkin.instrument_version != instrument.version:
        raise CheckinRejected(
            "instrument_version",
            f"{checkin.instrument} version {checkin.instrument_version!r} is not known to this "
            f"server (it has {instrument.version}); update the gateway or the server",
        )
    if not window.earliest <= checkin.completed_at <= window.latest:
        raise CheckinRejected(
            "completed_at",
            f"must lie between {window.earliest.isoformat()} and {window.latest.isoformat()} "
            "(check the gateway clock)",
        )
    seen: set[int] = set()
    risk = False
    numbers = instrument.numbers
    for i, a in enumerate(checkin.answers):
        if a.item not in numbers:
            raise CheckinRejected(
                f"answers[{i}].item", f"{checkin.instrument} has items 1-{len(numbers)}"
            )
        if a.item in seen:
            raise CheckinRejected(f"answers[{i}].item", f"item {a.item} answered twice")
        seen.add(a.item)
        if a.answered_at > checkin.completed_at:
            raise CheckinRejected(
                f"answers[{i}].answered_at", "is after completed_at; completed_at is the last"
            )
        if a.answered_at < window.earliest:
            # A check-in may be stopped and resumed days later, but not beyond the window.
            raise CheckinRejected(
                f"answers[{i}].answered_at", f"is before {window.earliest.isoformat()}"
            )
        if instrument.item(a.item).risk_on == a.answer:
            risk = True
    missing = [n for n in numbers if n not in seen]
    if missing and not risk:
        raise CheckinRejected(
            "answers",
            f"items {missing} are missing; send every item, with answer 'skip' for one "
            "not answered",
        )
    score = score_answers(instrument, [Answer(a.item, a.answer) for a in checkin.answers])
    return score, risk


_STORED = """
    SELECT checkin_id, body_sha256, score, skipped, prorated, positive, cutoff, risk,
           participant_id, idempotency_key
    FROM checkins
"""


def _outcome(row: tuple[object, ...], duplicate: bool) -> CheckinOutcome:
    score = None if row[2] is None else int(str(row[2]))
    scoring = "incomplete" if score is None else "prorated" if row[4] else "complete"
    return CheckinOutcome(
        uuid.UUID(str(row[0])),
        duplicate,
        score,
        scoring,
        None if row[5] is None else bool(row[5]),
        None if row[6] is None else int(str(row[6])),
        bool(row[7]),
    )


async def _participant_bound(conn: AsyncConn, gateway_id: uuid.UUID, pid: uuid.UUID) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM gateway_participants gp JOIN participants p USING (participant_id)"
        " WHERE gp.gateway_id = %s AND gp.participant_id = %s"
        " AND p.consent_status = 'consented'",
        (gateway_id, pid),
    )
    return await cur.fetchone() is not None


async def store_checkin(
    conn: AsyncConn,
    *,
    gateway: GatewayIdentity,
    checkin: CheckinLike,
    idempotency_key: str,
    body_sha256: bytes,
    window: TimeWindow,
) -> CheckinOutcome:
    """Store a check-in and queue its participant for the alert worker (one transaction).

    Raises Forbidden (gateway id mismatch, participant not bound or withdrawn), Revoked,
    IdempotencyConflict (the key was used for another body), CheckinRejected.
    """
    if checkin.gateway_id != str(gateway.gateway_id):
        raise Forbidden(
            f"gateway_id {checkin.gateway_id!a} does not match this gateway's credential"
        )
    gid, pid = gateway.gateway_id, checkin.participant_id
    async with conn.transaction():
        if not await gateway_active(conn, gid):
            raise Revoked("revoked")
        cur = await conn.execute(
            _STORED + " WHERE gateway_id = %s AND idempotency_key = %s",
            (gid, idempotency_key),
        )
        row = await cur.fetchone()
        if row is not None:
            if row[1] != body_sha256:
                raise IdempotencyConflict(_KEY_REUSED)
            return _outcome(row, duplicate=True)
        if not await _participant_bound(conn, gid, pid):
            raise Forbidden(
                f"participant {pid} is not bound to this gateway (or has withdrawn); "
                "do not upload check-ins for them"
            )
        score, risk = judge(checkin, window)
        cur = await conn.execute(
            "INSERT INTO checkins (participant_id, gateway_id, idempotency_key, body_sha256,"
            " instrument, instrument_version, completed_at, score, points, answered, skipped,"
            " prorated, positive, cutoff, risk)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING RETURNING checkin_id",
            (
                pid,
                gid,
                idempotency_key,
                body_sha256,
                checkin.instrument,
                checkin.instrument_version,
                checkin.completed_at,
                score.score,
                score.points,
                score.answered,
                score.skipped,
                score.prorated,
                score.positive,
                score.cutoff,
                risk,
            ),
        )
        created = await cur.fetchone()
        if created is None:
            # The same check-in arrived before under another key (or, racing, this key).
            cur = await conn.execute(
                _STORED + " WHERE (participant_id = %s AND instrument = %s AND completed_at = %s)"
                " OR (gateway_id = %s AND idempotency_key = %s)",
                (pid, checkin.instrument, checkin.completed_at, gid, idempotency_key),
            )
            again = await cur.fetchone()
            assert again is not None  # the conflict above means it exists
            if again[9] == idempotency_key and again[1] != body_sha256:
                raise IdempotencyConflict(_KEY_REUSED)
            return _outcome(again, duplicate=True)
        checkin_id = uuid.UUID(str(created[0]))
        async with conn.cursor() as c:
            await c.executemany(
                "INSERT INTO checkin_answers (checkin_id, item, answer, answered_at)"
                " VALUES (%s, %s, %s, %s)",
                [(checkin_id, a.item, a.answer, a.answered_at) for a in checkin.answers],
            )
        await enqueue(conn, {pid: CHECKIN})
    return CheckinOutcome(
        checkin_id,
        False,
        score.score,
        score.status,
        score.positive,
        score.cutoff,
        risk,
    )
