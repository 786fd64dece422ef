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
import datetime as dt
import logging
import random
from collections.abc import Callable

import httpx

from gateway.checkin_queue import CheckinQueue, PendingCheckin
from gateway.http_contract import (
    CHECKIN_PATH,
    error_detail,
    parse_checkin_receipt,
    parse_retry_after,
)
from gateway.outbox import utc_now
from gateway.policy import Sleep, backoff_delay_s
from gateway.uploader import Step, StepResult, UploaderSettings, post_keyed

log = logging.getLogger(__name__)

# Answers that prove the API will never store this body: recorded, not retried.
_REFUSED = frozenset({400, 403, 409, 413, 422})


class CheckinUploader:
    """Drains completed check-ins from the outbox into the API (see the module table).

    Parameters
    ----------
    queue : CheckinQueue
    client : httpx.AsyncClient
    settings : UploaderSettings
        The readings uploader's settings (URL, token, backoff, pauses).
    sleep, clock, rng : optional
        Injected for tests, as in :class:`gateway.uploader.Uploader`.
    """

    def __init__(
        self,
        queue: CheckinQueue,
        client: httpx.AsyncClient,
        settings: UploaderSettings,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], dt.datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._queue = queue
        self._client = client
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._failures = 0
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.halted_reason: str | None = None

    def wake(self) -> None:
        """A check-in was just completed: send it now rather than after the idle pause.

        Safe to call from any thread (the home page's handlers run in their own).
        """
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Upload until ``stop`` is set."""
        self._loop = asyncio.get_running_loop()
        while not stop.is_set():
            # Cleared before looking at the queue, not when going idle: a check-in
            # completed while this step runs must cut the following idle pause short.
            self._wake.clear()
            result = await self.step()
            if result.step is Step.EMPTY:
                await self._idle(self._settings.idle_s, stop)
            elif result.step is Step.HALTED:
                if self._settings.halt_retry_s is None:
                    log.error("check-in uploader stopped: %s", self.halted_reason)
                    return
                await self._idle(self._settings.halt_retry_s, stop)
            elif result.delay_s > 0:
                await self._sleep(result.delay_s)

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
        pending = await asyncio.to_thread(self._queue.next_pending)
        if pending is None:
            return StepResult(Step.EMPTY)
        try:
            response = await post_keyed(
                self._client, self._settings, CHECKIN_PATH, pending.body, pending.idempotency_key
            )
        except httpx.HTTPError as exc:
            return self._transient(pending, f"network error {type(exc).__name__}: {exc}")
        return await self._handle(pending, response)

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
            self._failures = 0
            self.halted_reason = None
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
            "the gateway token was refused (revoked or wrong); issue a new token and put it "
            "in the gateway config"
            if code == httpx.codes.UNAUTHORIZED
            else f"unexpected HTTP {code}; check api_url in the gateway config"
        )
        self.halted_reason = f"HTTP {code}: {advice}"
        log.critical("OPERATOR ACTION NEEDED: %s (check-ins are kept)", self.halted_reason)
        return StepResult(Step.HALTED, status_code=code)

    def _transient(self, pending: PendingCheckin, why: str, code: int | None = None) -> StepResult:
        self._failures += 1
        delay_s = backoff_delay_s(
            self._failures,
            base_s=self._settings.backoff_base_s,
            cap_s=self._settings.backoff_cap_s,
            rng=self._rng,
        )
        log.warning(
            "check-in %d not delivered (%s); retry %d in %.1f s with the same key",
            pending.id,
            why,
            self._failures,
            delay_s,
        )
        return StepResult(Step.RETRY, delay_s=delay_s, status_code=code)
