"""Uploader: sends outbox batches to the ingestion API and acts on each answer.

| answer | action |
|---|---|
| 200 | log per-reading rejections, ack every reading of the batch |
| network error, 408, 5xx, unreadable 200 | keep the batch; same bytes and key after backoff |
| 429 | keep the batch, wait Retry-After (else backoff) |
| 401 / 403 | halt uploads and log operator advice; data stays in the outbox |
| 413 | dissolve the batch and halve the batch size; a lone reading is rejected |
| 409 | dissolve the batch (re-formed with a new key; the server dedupes by natural key) |
| 400 / 422 | readings it names are rejected and acked; the rest are re-batched; an error
  naming no reading rejects the whole batch (kept in the rejected log, not retried) |
| other 4xx, 3xx | halt with operator advice (most likely a wrong api_url) |

Nothing is deleted from the outbox unless the API acknowledged it.
"""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
import enum
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Generic, Protocol, TypedDict, TypeVar, Unpack

import httpx

from gateway.http_contract import (
    BATCH_PATH,
    ERROR_CODE_HEADER,
    KEY_CONFLICT,
    TOO_MANY_READINGS,
    BatchReceipt,
    IndexedRejection,
    auth_headers,
    endpoint,
    parse_receipt,
    parse_retry_after,
    parse_validation_error,
)
from gateway.outbox import Outbox, OutboxBatch, Rejection, utc_now
from gateway.policy import Sleep, backoff_delay_s

log = logging.getLogger(__name__)


class Step(enum.Enum):
    """What one upload step did."""

    EMPTY = "empty"  # nothing to send
    SENT = "sent"  # batch acknowledged (200) and deleted
    REBATCH = "rebatch"  # batch dissolved (413/409/422); send again at once
    RETRY = "retry"  # transient failure; wait ``delay_s`` and send the same batch
    HALTED = "halted"  # credential or configuration problem; operator must act


@dataclass(frozen=True, slots=True)
class StepResult:
    """Outcome of :meth:`Uploader.step`."""

    step: Step
    delay_s: float = 0.0
    receipt: BatchReceipt | None = None
    status_code: int | None = None


@dataclass(frozen=True, slots=True)
class UploaderSettings:
    """Where and how to upload.

    Attributes
    ----------
    api_url, token : str
        Base URL of the ingestion API and the gateway's bearer token.
    batch_size : int
        Readings per newly formed batch.
    backoff_base_s, backoff_cap_s : float
        Exponential backoff with full jitter for transient failures.
    idle_s : float
        Pause when the outbox is empty.
    halt_retry_s : float or None
        Pause after a 401/403/misconfiguration before probing again (None: stop).
    """

    api_url: str
    token: str
    batch_size: int = 500
    # Backoff: 1 s doubling to a 60 s cap (task brief); full jitter (policy.backoff_delay_s).
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    idle_s: float = 5.0
    halt_retry_s: float | None = 3600.0


class Keyed(Protocol):
    """What an uploader sends: the exact bytes, under the same key on every retry."""

    @property
    def body(self) -> bytes: ...

    @property
    def idempotency_key(self) -> str: ...


Item = TypeVar("Item", bound=Keyed)


class UploadOptions(TypedDict, total=False):
    """The keyword arguments of :class:`UploadLoop` (injected by tests), which each
    uploader passes on unchanged."""

    sleep: Sleep
    clock: Callable[[], dt.datetime]
    rng: random.Random | None


class UploadLoop(abc.ABC, Generic[Item]):
    """What both uploaders share: the run loop and its pauses, sending one item per
    step, backoff after a failure that may pass, and the halt on an answer only an
    operator can fix.

    Subclasses (:class:`Uploader`, :class:`gateway.checkin_uploader.CheckinUploader`)
    say where items come from, how each answer is handled, and (class attributes)
    the path and the words of their log lines, which keep their own module's logger.

    Parameters
    ----------
    client : httpx.AsyncClient
        Injected; its transport decides where requests go (tests: MockTransport).
    settings : UploaderSettings
    sleep : callable, optional
        Awaited for every pause (tests pass a recorder).
    clock : callable, optional
        Current aware datetime (Retry-After dates, last upload time).
    rng : random.Random, optional
        Jitter source.
    """

    _path: ClassVar[str]  # the API path items are posted to
    _log: ClassVar[logging.Logger]
    _name: ClassVar[str]  # "uploader stopped: ..."
    _kept: ClassVar[str]  # "(readings are kept)": what stays in the outbox while halted

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: UploaderSettings,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], dt.datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._failures = 0
        self.halted_reason: str | None = None

    @abc.abstractmethod
    def _next(self) -> Item | None:
        """The item to send now, None if there is none (runs in a worker thread)."""

    @abc.abstractmethod
    def _named(self, item: Item) -> str:
        """The item as log lines name it ("batch 7")."""

    @abc.abstractmethod
    async def _handle(self, item: Item, response: httpx.Response) -> StepResult:
        """Act on the API's answer (the module table)."""

    async def run(self, stop: asyncio.Event) -> None:
        """Upload until ``stop`` is set, pausing as each step's outcome requires."""
        while not stop.is_set():
            result = await self.step()
            if result.step is Step.EMPTY:
                await self._idle(self._settings.idle_s, stop)
            elif result.step is Step.HALTED:
                if self._settings.halt_retry_s is None:
                    self._log.error("%s stopped: %s", self._name, self.halted_reason)
                    return
                await self._idle(self._settings.halt_retry_s, stop)
            elif result.delay_s > 0:
                await self._sleep(result.delay_s)

    async def _idle(self, seconds: float, stop: asyncio.Event) -> None:
        # A plain pause; the check-in uploader overrides it to be woken early.
        if seconds > 0:
            await self._sleep(seconds)

    async def step(self) -> StepResult:
        """Send the next item once and act on the answer (see the module table)."""
        item = await asyncio.to_thread(self._next)
        if item is None:
            return StepResult(Step.EMPTY)
        try:
            response = await post_keyed(
                self._client, self._settings, self._path, item.body, item.idempotency_key
            )
        except httpx.HTTPError as exc:
            return self._transient(item, f"network error {type(exc).__name__}: {exc}")
        return await self._handle(item, response)

    def _transient(self, item: Item, why: str, code: int | None = None) -> StepResult:
        # Keep the item and resend the same bytes under the same key after backoff.
        self._failures += 1
        delay_s = backoff_delay_s(
            self._failures,
            base_s=self._settings.backoff_base_s,
            cap_s=self._settings.backoff_cap_s,
            rng=self._rng,
        )
        self._log.warning(
            "%s not delivered (%s); retry %d in %.1f s with the same key",
            self._named(item),
            why,
            self._failures,
            delay_s,
        )
        return StepResult(Step.RETRY, delay_s=delay_s, status_code=code)

    def _delivered(self) -> None:
        # An acknowledged upload proves the link and the credentials work again.
        self._failures = 0
        self.halted_reason = None

    def _halt_for_operator(self, code: int, advice: str) -> StepResult:
        self.halted_reason = f"HTTP {code}: {advice}"
        self._log.critical(
            "OPERATOR ACTION NEEDED: %s (%s are kept)", self.halted_reason, self._kept
        )
        return StepResult(Step.HALTED, status_code=code)


class Uploader(UploadLoop[OutboxBatch]):
    """Drains the outbox into ``POST /api/v1/ingest/batch``.

    Parameters
    ----------
    outbox : Outbox
    client, settings, sleep, clock, rng
        As in :class:`UploadLoop`.
    """

    _path = BATCH_PATH
    _log = log
    _name = "uploader"
    _kept = "readings"

    def __init__(
        self,
        outbox: Outbox,
        client: httpx.AsyncClient,
        settings: UploaderSettings,
        **options: Unpack[UploadOptions],
    ) -> None:
        super().__init__(client, settings, **options)
        self._outbox = outbox
        self.batch_size = settings.batch_size

    def _next(self) -> OutboxBatch | None:
        return self._outbox.peek_batch(self.batch_size)

    def _named(self, item: OutboxBatch) -> str:
        return f"batch {item.sequence}"

    async def _handle(self, batch: OutboxBatch, response: httpx.Response) -> StepResult:
        code = response.status_code
        if code == httpx.codes.OK:
            return await self._acknowledged(batch, response)
        if code == httpx.codes.TOO_MANY_REQUESTS:
            return self._rate_limited(batch, response)
        if code >= 500 or code == httpx.codes.REQUEST_TIMEOUT:
            return self._transient(batch, f"HTTP {code}", code)
        if code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            return self._halt(_AUTH_ADVICE[code], code, response)
        problem = response.headers.get(ERROR_CODE_HEADER)
        if code == httpx.codes.REQUEST_ENTITY_TOO_LARGE or problem == TOO_MANY_READINGS:
            return await self._too_large(batch)
        if code == httpx.codes.CONFLICT or problem == KEY_CONFLICT:
            log.error(
                "batch %d: the API holds key %s for a different body (HTTP %d); re-forming "
                "it under a new key (the server dedupes readings by natural key)",
                batch.sequence,
                batch.idempotency_key,
                code,
            )
            await asyncio.to_thread(self._outbox.dissolve_batch, batch.sequence)
            return StepResult(Step.REBATCH, status_code=code)
        if code in (httpx.codes.BAD_REQUEST, httpx.codes.UNPROCESSABLE_ENTITY):
            return await self._invalid(batch, response)
        return self._halt(
            f"unexpected HTTP {code} from {response.request.url}; check api_url in the "
            "gateway config",
            code,
            response,
        )

    async def _acknowledged(self, batch: OutboxBatch, response: httpx.Response) -> StepResult:
        try:
            receipt = parse_receipt(response.content)
        except ValueError as exc:
            return self._transient(batch, f"unreadable 200 answer ({exc})", 200)
        rejections = _map_rejections(batch, receipt.rejected)
        counted = receipt.accepted + receipt.duplicates + len(receipt.rejected)
        if counted != len(batch.reading_ids):
            log.warning(
                "batch %d: API counted %d readings (accepted %d, duplicates %d, rejected %d), "
                "the batch holds %d; acknowledging the batch as the API answered 200",
                batch.sequence,
                counted,
                receipt.accepted,
                receipt.duplicates,
                len(receipt.rejected),
                len(batch.reading_ids),
            )
        await asyncio.to_thread(self._outbox.ack, batch.reading_ids, rejections)
        await asyncio.to_thread(self._outbox.mark_uploaded, self._clock())
        self._delivered()
        return StepResult(Step.SENT, receipt=receipt, status_code=200)

    def _rate_limited(self, batch: OutboxBatch, response: httpx.Response) -> StepResult:
        delay_s = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        if delay_s is None:
            return self._transient(batch, "HTTP 429 without a usable Retry-After", 429)
        log.info(
            "batch %d: rate limited, retrying in %.1f s (Retry-After)", batch.sequence, delay_s
        )
        return StepResult(Step.RETRY, delay_s=delay_s, status_code=429)

    def _halt(self, advice: str, code: int, response: httpx.Response) -> StepResult:
        return self._halt_for_operator(code, f"{advice}; server said: {response.text[:300]!r}")

    async def _too_large(self, batch: OutboxBatch) -> StepResult:
        if len(batch.reading_ids) == 1:
            rejection = Rejection(
                batch.reading_ids[0], "body", "413: one reading exceeds the limit"
            )
            await asyncio.to_thread(self._outbox.ack, batch.reading_ids, [rejection])
            return StepResult(Step.REBATCH, status_code=413)
        self.batch_size = max(1, len(batch.reading_ids) // 2)
        log.warning("batch %d too large (413); batch size now %d", batch.sequence, self.batch_size)
        await asyncio.to_thread(self._outbox.dissolve_batch, batch.sequence)
        return StepResult(Step.REBATCH, status_code=413)

    async def _invalid(self, batch: OutboxBatch, response: httpx.Response) -> StepResult:
        errors = parse_validation_error(response.content, len(batch.reading_ids))
        named = [e for e in errors if e.index >= 0]
        if named and len(named) == len(errors):
            rejections = _map_rejections(batch, named)
            ids = sorted({r.reading_id for r in rejections})
            await asyncio.to_thread(self._outbox.ack, ids, rejections)
            await asyncio.to_thread(self._outbox.dissolve_batch, batch.sequence)
            return StepResult(Step.REBATCH, status_code=response.status_code)
        why = "; ".join(f"{e.field}: {e.reason}" for e in errors) or response.text[:300]
        log.error(
            "batch %d refused as a whole (HTTP %d: %s); its %d readings go to the rejected "
            "log for an operator, the gateway may be misconfigured",
            batch.sequence,
            response.status_code,
            why,
            len(batch.reading_ids),
        )
        whole = [
            Rejection(i, "batch", f"HTTP {response.status_code}: {why}") for i in batch.reading_ids
        ]
        await asyncio.to_thread(self._outbox.ack, batch.reading_ids, whole)
        return StepResult(Step.REBATCH, status_code=response.status_code)


TOKEN_REFUSED = (
    "the gateway token was refused (revoked or wrong); issue a new token and put it "
    "in the gateway config"
)

_AUTH_ADVICE = {
    401: TOKEN_REFUSED,
    403: "a device in this batch is not bound to this gateway's participants; bind the "
    "device on the admin page or remove it from the gateway config",
}


def _map_rejections(
    batch: OutboxBatch, rejected: tuple[IndexedRejection, ...] | list[IndexedRejection]
) -> list[Rejection]:
    out = []
    for r in rejected:
        if 0 <= r.index < len(batch.reading_ids):
            out.append(Rejection(batch.reading_ids[r.index], r.field, r.reason))
        else:
            log.error(
                "batch %d: rejection names index %d outside the batch", batch.sequence, r.index
            )
    return out


async def post_keyed(
    client: httpx.AsyncClient, settings: UploaderSettings, path: str, body: bytes, key: str
) -> httpx.Response:
    """POST ``body`` to the API's ``path`` with the gateway's token under the
    ``Idempotency-Key`` ``key``: a retry sends the same bytes under the same key."""
    return await client.post(
        endpoint(settings.api_url, path),
        content=body,
        headers={**auth_headers(settings.token), "Idempotency-Key": key},
    )
