"""Check-ins answered at the home page, kept in the outbox database until the API has them.

Life of one check-in (table ``checkins``, ``gateway.outbox_schema`` version 3):

1. ``save_progress`` after every answer: the dialogue state (opaque JSON here) of the
   participant's open check-in, so a stopped or interrupted one resumes where it was,
   also after the gateway restarts.
2. ``complete``: in ONE transaction the final state, the exact request body and a new
   ``Idempotency-Key``; from then on the check-in is re-sent byte-identical under that
   key until the API answers (a crash or an outage never gives it a second key, so the
   server stores it once).
3. ``acknowledge`` after a 200 deletes it; ``reject`` after a 403 or 422 keeps it with
   the reason for an operator and stops sending it.

Calls are short and synchronous (async callers use ``asyncio.to_thread``); they run in
the outbox's transactions and share its lock and ``synchronous=FULL`` durability.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.outbox import Clock, Outbox, utc_now
from gateway.reading import format_instant


@dataclass(frozen=True, slots=True)
class PendingCheckin:
    """A completed check-in waiting for the API: sent as ``body`` under ``idempotency_key``."""

    id: int
    participant_id: str
    idempotency_key: str
    body: bytes


@dataclass(frozen=True, slots=True)
class RejectedCheckin:
    """A check-in the API refused for good (kept for an operator)."""

    id: int
    participant_id: str
    body: bytes
    http_status: int
    reason: str


class CheckinQueue:
    """The check-ins of one gateway, in its outbox database.

    Parameters
    ----------
    outbox : Outbox
        The gateway's open outbox (its file holds the ``checkins`` table).
    clock : callable, optional
        Current aware datetime (``updated_at``).
    """

    def __init__(self, outbox: Outbox, clock: Clock = utc_now) -> None:
        self._outbox = outbox
        self._clock = clock

    def open_state(self, participant_id: str, instrument: str) -> dict[str, Any] | None:
        """The saved dialogue state of the participant's check-in in progress, if any."""
        with self._outbox.transaction() as db:
            row = db.execute(
                "SELECT state FROM checkins WHERE participant_id = ? AND instrument = ? "
                "AND status = 'open'",
                (participant_id, instrument),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def save_progress(self, participant_id: str, instrument: str, state: Mapping[str, Any]) -> None:
        """Store the dialogue state of a check-in in progress (replacing the previous one)."""
        now = format_instant(self._clock())
        text = json.dumps(state, ensure_ascii=False, sort_keys=True)
        with self._outbox.transaction() as db:
            updated = db.execute(
                "UPDATE checkins SET state = ?, updated_at = ? WHERE participant_id = ? "
                "AND instrument = ? AND status = 'open'",
                (text, now, participant_id, instrument),
            ).rowcount
            if not updated:
                db.execute(
                    "INSERT INTO checkins (participant_id, instrument, state, updated_at, "
                    "status) VALUES (?, ?, ?, ?, 'open')",
                    (participant_id, instrument, text, now),
                )

    def complete(
        self, participant_id: str, instrument: str, state: Mapping[str, Any], body: bytes
    ) -> str:
        """Turn the open check-in (or a new row) into a pending upload; one transaction.

        Returns
        -------
        str
            The ``Idempotency-Key`` it will be sent under, now and after any restart.
        """
        key = str(uuid.uuid4())
        now = format_instant(self._clock())
        text = json.dumps(state, ensure_ascii=False, sort_keys=True)
        with self._outbox.transaction() as db:
            updated = db.execute(
                "UPDATE checkins SET state = ?, updated_at = ?, status = 'pending', "
                "idempotency_key = ?, body = ? WHERE participant_id = ? AND instrument = ? "
                "AND status = 'open'",
                (text, now, key, body, participant_id, instrument),
            ).rowcount
            if not updated:
                db.execute(
                    "INSERT INTO checkins (participant_id, instrument, state, updated_at, "
                    "status, idempotency_key, body) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                    (participant_id, instrument, text, now, key, body),
                )
        return key

    def next_pending(self) -> PendingCheckin | None:
        """The oldest completed check-in not yet acknowledged, or None."""
        with self._outbox.transaction() as db:
            row = db.execute(
                "SELECT id, participant_id, idempotency_key, body FROM checkins "
                "WHERE status = 'pending' ORDER BY id LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return PendingCheckin(int(row[0]), str(row[1]), str(row[2]), bytes(row[3]))

    def acknowledge(self, checkin_id: int) -> None:
        """The API stored it (or already had it): delete it."""
        with self._outbox.transaction() as db:
            db.execute("DELETE FROM checkins WHERE id = ? AND status = 'pending'", (checkin_id,))

    def reject(self, checkin_id: int, http_status: int, reason: str) -> None:
        """The API refused it for good: keep it with the reason, stop sending it."""
        with self._outbox.transaction() as db:
            db.execute(
                "UPDATE checkins SET status = 'rejected', http_status = ?, reason = ?, "
                "updated_at = ? WHERE id = ? AND status = 'pending'",
                (http_status, reason, format_instant(self._clock()), checkin_id),
            )

    def pending_count(self, participant_id: str | None = None) -> int:
        """Completed check-ins waiting for the API (of one participant, or all)."""
        with self._outbox.transaction() as db:
            row = db.execute(
                "SELECT count(*) FROM checkins WHERE status = 'pending' "
                "AND (? IS NULL OR participant_id = ?)",
                (participant_id, participant_id),
            ).fetchone()
        return int(row[0])

    def rejected(self) -> list[RejectedCheckin]:
        """Check-ins the API refused, oldest first (for operators and tests)."""
        with self._outbox.transaction() as db:
            rows = db.execute(
                "SELECT id, participant_id, body, http_status, reason FROM checkins "
                "WHERE status = 'rejected' ORDER BY id"
            ).fetchall()
        return [
            RejectedCheckin(int(r[0]), str(r[1]), bytes(r[2]), int(r[3]), str(r[4])) for r in rows
        ]
