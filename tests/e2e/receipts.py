"""What the API answered to each uploaded batch, recorded at the server.

:class:`ReceiptLog` wraps the real ASGI app (``wrap``; the log outlives an API restart):
for every ``POST .../ingest/batch`` it records the batch's ``Idempotency-Key`` and the
API's verdict. Tests assert on these instead of sleeping and hoping that a batch sent
twice would have landed by then: a batch re-sent with its key is a second answer to that
key, and readings sent again under any other key are duplicates under a key answered once.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Receipt:
    """One 200 answer to an uploaded batch."""

    idempotency_key: str
    accepted: int
    duplicates: int
    rejected: int


@dataclass(frozen=True)
class CheckinAnswer:
    """The API's answer to one uploaded check-in: HTTP status and, for a 200, its verdict."""

    idempotency_key: str
    status_code: int
    verdict: str | None  # "stored" or "duplicate" for a 200


class ReceiptLog:
    """The API's answers to uploaded batches, in the order it sent them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._receipts: list[Receipt] = []
        self._checkins: list[CheckinAnswer] = []

    @property
    def checkins(self) -> list[CheckinAnswer]:
        """Answers to uploaded check-ins (``POST .../ingest/checkin``) so far."""
        with self._lock:
            return list(self._checkins)

    @property
    def receipts(self) -> list[Receipt]:
        """The answers so far."""
        with self._lock:
            return list(self._receipts)

    def answers_per_key(self) -> Counter[str]:
        """How many times each idempotency key was answered."""
        return Counter(r.idempotency_key for r in self.receipts)

    def accepted(self) -> int:
        """Readings the API stored, over every answer."""
        return sum(r.accepted for r in self.receipts)

    def duplicates_under_new_keys(self) -> int:
        """Readings the API already held, in batches whose key it saw for the first time.

        A gateway that re-sends an unacknowledged batch keeps its key (the API's second
        answer to that key counts duplicates, legitimately); readings sent again in any
        other batch show up here.
        """
        seen: set[str] = set()
        total = 0
        for r in self.receipts:
            if r.idempotency_key not in seen:
                total += r.duplicates
            seen.add(r.idempotency_key)
        return total

    def wrap(self, app: AsgiApp) -> AsgiApp:
        """``app`` with every batch and check-in answer recorded here."""

        async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
            posted = scope["type"] == "http" and scope["method"] == "POST"
            if posted and scope["path"].endswith("/ingest/checkin"):
                await self._checkin(app, scope, receive, send)
                return
            if not (posted and scope["path"].endswith("/ingest/batch")):
                await app(scope, receive, send)
                return
            key = dict(scope["headers"]).get(b"idempotency-key", b"").decode("latin-1")
            status = 0
            body = bytearray()

            async def recording_send(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                elif message["type"] == "http.response.body":
                    body.extend(message.get("body", b""))
                    if not message.get("more_body", False) and status == 200:
                        self._record(key, bytes(body))  # before a gone client can fail it
                await send(message)

            await app(scope, receive, recording_send)

        return recorded

    async def _checkin(self, app: AsgiApp, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope["headers"]).get(b"idempotency-key", b"").decode("latin-1")
        status = 0
        body = bytearray()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    verdict = json.loads(body).get("status") if status == 200 else None
                    with self._lock:
                        self._checkins.append(CheckinAnswer(key, status, verdict))
            await send(message)

        await app(scope, receive, recording_send)

    def _record(self, key: str, body: bytes) -> None:
        verdict = json.loads(body)
        receipt = Receipt(
            key, int(verdict["accepted"]), int(verdict["duplicates"]), len(verdict["rejected"])
        )
        with self._lock:
            self._receipts.append(receipt)
