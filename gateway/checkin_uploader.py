"""Uploads completed check-ins to ``POST /api/v1/ingest/checkin``, each exactly once.

| answer | action |
|---|---|
| 200 (stored or duplicate) | delete the check-in from the outbox |
| network error, 408, 5xx, unreadable 200 | keep it; same bytes and key after backoff |
| 429 | keep it, wait Retry-After (else backoff) |
| 401 | keep it; pause (the token was revoked or is wrong: an operator issues a new one) |
| 403 | record it as rejected: the participant is not bound to this gateway |
| 400, 409, 413, 422 | record it as rejected with the API's reason (retrying cannot help) |
| anything else | keep it; pause (most likely a wrong api_url) |

A check-in is deleted only after a 200; a rejected one stays in the outbox's
``checkins`` table with the answer, for an operator. Readings have their own uploader
(``gateway.uploader``): a refused check-in never holds back heart rate or glucose.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Unpack

import httpx

from gateway.checkin_queue import CheckinQueue, PendingCheckin
from gateway.http_contract import (
    CHECKIN_PATH,
    error_detail,
    parse_checkin_receipt,
    parse_retry_after,
)
from gateway.uploader import (
    TOKEN_REFUSED,
    Step,
    StepResult,
    UploaderSettings,
    UploadLoop,
    UploadOptions,
)

log = logging.getLogger(__name__)

# Answers that prove the API will never store this body: recorded, not retried.
_REFUSED = frozenset({400, 403, 409, 413, 422})


class CheckinUploader(UploadLoop[PendingCheckin]):
    """Drains completed check-ins from the outbox into the API (see the module table).

    Parameters
    ----------
    queue : CheckinQueue
    client : httpx.AsyncClient
    settings : UploaderSettings
        The readings uploader's settings (URL, token, backoff, pauses).
    sleep, clock, rng : optional
        Injected for tests, as in :class:`gateway.uploader.UploadLoop`.
    """

    _path = CHECKIN_PATH
    _log = log
    _name = "check-in uploader"
    _kept = "check-ins"

    def __init__(
        self,
        queue: CheckinQueue,
        client: httpx.AsyncClient,
        settings: UploaderSettings,
        **options: Unpack[UploadOptions],
    ) -> None:
        super().__init__(client, settings, **options)
        self._queue = queue
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """A check-in was just completed: send it now rather than after the idle pause.

        Safe to call from any thread (the home page's handlers run in their own).
        """
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Upload until ``stop`` is set."""
        self._loop = asyncio.get_running_loop()
        await super().run(stop)

    async def _idle(self, seconds: float, stop: asyncio.Event) -> None:
        # Woken early by a newly completed check-in (or the stop).
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def step(self) -> StepResult:
        """Send the oldest completed check-in once and act on the answer."""
        # Cleared before looking at the queue, not when going idle: a check-in
        # completed while this step runs must cut the following idle pause short.
        self._wake.clear()
        return await super().step()

    def _next(self) -> PendingCheckin | None:
        return self._queue.next_pending()

    def _named(self, item: PendingCheckin) -> str:
        return f"check-in {item.id}"

    async def _handle(self, pending: PendingCheckin, response: httpx.Response) -> StepResult:
        code = response.status_code
        if code == httpx.codes.OK:
            try:
                receipt = parse_checkin_receipt(response.content)
            except ValueError as exc:
                return self._transient(pending, f"unreadable 200 answer ({exc})", code)
            await asyncio.to_thread(self._queue.acknowledge, pending.id)
            log.info(
                "check-in %d of participant %s delivered (%s)",
                pending.id,
                pending.participant_id,
                receipt.status,
            )
            self._delivered()
            return StepResult(Step.SENT, status_code=code)
        if code == httpx.codes.TOO_MANY_REQUESTS:
            delay_s = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            if delay_s is None:
                return self._transient(pending, "HTTP 429 without a usable Retry-After", code)
            return StepResult(Step.RETRY, delay_s=delay_s, status_code=code)
        if code >= 500 or code == httpx.codes.REQUEST_TIMEOUT:
            return self._transient(pending, f"HTTP {code}", code)
        if code in _REFUSED:
            reason = error_detail(response.content)
            await asyncio.to_thread(self._queue.reject, pending.id, code, reason)
            log.error(
                "check-in %d of participant %s refused by the API (HTTP %d: %s); kept in the "
                "outbox's rejected check-ins for an operator%s",
                pending.id,
                pending.participant_id,
                code,
                reason,
                "; bind the participant to this gateway on the server" if code == 403 else "",
            )
            return StepResult(Step.REBATCH, status_code=code)
        advice = (
            TOKEN_REFUSED
            if code == httpx.codes.UNAUTHORIZED
            else f"unexpected HTTP {code}; check api_url in the gateway config"
        )
        return self._halt_for_operator(code, advice)
