"""Uploader against httpx.MockTransport: the real client code, scripted API answers."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from gateway.outbox import Outbox
from gateway.uploader import Step, Uploader, UploaderSettings
from tests.gateway.conftest import FixedClock, OpenOutbox, heart_rates

pytestmark = pytest.mark.timeout(10)

MakeUploader = Callable[..., Uploader]

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeApi:
    """Scripted answers in order; records every request it saw."""

    answers: list[Handler]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request)


def receipt(
    request: httpx.Request, rejected: list[dict[str, object]] | None = None
) -> httpx.Response:
    n = len(json.loads(request.content)["readings"])
    rejected = rejected or []
    return httpx.Response(
        200, json={"accepted": n - len(rejected), "duplicates": 0, "rejected": rejected}
    )


def status(code: int, **kwargs: object) -> Handler:
    return lambda request: httpx.Response(code, **kwargs)  # type: ignore[arg-type]


def network_down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


class Sleeps:
    def __init__(self) -> None:
        self.delays_s: list[float] = []

    async def __call__(self, delay_s: float) -> None:
        self.delays_s.append(delay_s)


class MaxJitter(random.Random):
    """Jitter that always picks the ceiling, so the exponential ceiling is visible."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def make_uploader(box: Outbox, sleeps: Sleeps) -> AsyncIterator[Callable[..., Uploader]]:
    clients: list[httpx.AsyncClient] = []

    def _make(api: FakeApi, rng: random.Random | None = None, **settings: object) -> Uploader:
        client = httpx.AsyncClient(transport=httpx.MockTransport(api))
        clients.append(client)
        options: dict[str, Any] = {"api_url": "https://api.test/", "token": "tok-1"}
        options.update(settings)
        return Uploader(
            box,
            client,
            UploaderSettings(**options),
            sleep=sleeps,
            clock=FixedClock(),
            rng=rng,
        )

    yield _make
    for client in clients:
        await client.aclose()


async def test_200_acknowledges_and_deletes_the_batch(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(3))
    api = FakeApi([receipt])
    result = await make_uploader(api).step()
    assert result.step is Step.SENT
    assert result.receipt is not None
    assert result.receipt.accepted == 3
    assert box.depth() == 0
    assert box.last_upload_at() is not None


async def test_request_carries_bearer_key_and_exact_body(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(2))
    batch = box.peek_batch(500)
    api = FakeApi([receipt])
    await make_uploader(api).step()
    (request,) = api.requests
    assert batch is not None
    assert request.url == "https://api.test/api/v1/ingest/batch"
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert request.headers["Idempotency-Key"] == batch.idempotency_key
    assert request.content == batch.body


async def test_5xx_keeps_the_batch_and_retries_same_key_and_body(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(3))
    api = FakeApi([status(503), status(500), receipt])
    uploader = make_uploader(api, backoff_base_s=0.0)
    steps = [(await uploader.step()).step for _ in range(3)]
    assert steps == [Step.RETRY, Step.RETRY, Step.SENT]
    keys = {r.headers["Idempotency-Key"] for r in api.requests}
    bodies = {r.content for r in api.requests}
    assert (len(keys), len(bodies)) == (1, 1)
    assert box.depth() == 0


async def test_5xx_leaves_every_reading_in_the_outbox(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(3))
    await make_uploader(FakeApi([status(502)])).step()
    assert box.depth() == 3


async def test_backoff_grows_and_is_capped(box: Outbox, make_uploader: MakeUploader) -> None:
    box.put(heart_rates(1))
    uploader = make_uploader(
        FakeApi([status(503)]), rng=MaxJitter(), backoff_base_s=1.0, backoff_cap_s=4.0
    )
    delays = [(await uploader.step()).delay_s for _ in range(5)]
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0]


async def test_network_error_then_success(box: Outbox, make_uploader: MakeUploader) -> None:
    box.put(heart_rates(2))
    uploader = make_uploader(FakeApi([network_down, receipt]), backoff_base_s=0.0)
    assert (await uploader.step()).step is Step.RETRY
    assert box.depth() == 2
    assert (await uploader.step()).step is Step.SENT
    assert box.depth() == 0


async def test_429_honours_retry_after(box: Outbox, make_uploader: MakeUploader) -> None:
    box.put(heart_rates(1))
    api = FakeApi([status(429, headers={"Retry-After": "17"})])
    result = await make_uploader(api).step()
    assert (result.step, result.delay_s) == (Step.RETRY, 17.0)
    assert box.depth() == 1


async def test_run_loop_sleeps_retry_after_then_sends(
    box: Outbox, make_uploader: MakeUploader, sleeps: Sleeps
) -> None:
    box.put(heart_rates(1))
    stop = asyncio.Event()

    def then_stop(request: httpx.Request) -> httpx.Response:
        stop.set()
        return receipt(request)

    api = FakeApi([status(429, headers={"Retry-After": "7"}), then_stop])
    await make_uploader(api).run(stop)
    assert sleeps.delays_s[0] == 7.0
    assert box.depth() == 0


async def test_per_reading_rejections_are_recorded_and_acked(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(3))
    bad = [{"index": 1, "field": "value", "reason": "300 /min is outside 20-250"}]
    result = await make_uploader(FakeApi([lambda r: receipt(r, bad)])).step()
    assert result.step is Step.SENT
    assert box.depth() == 0
    (logged,) = box.rejected()
    assert (logged["field"], logged["reason"]) == ("value", "300 /min is outside 20-250")
    assert logged["reading"]["value"] == 61.0  # type: ignore[index]


async def test_422_naming_readings_rejects_them_and_resends_the_rest(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(3))
    detail = {"detail": [{"loc": ["body", "readings", 2, "unit"], "msg": "unknown unit"}]}
    api = FakeApi([status(422, json=detail), receipt])
    uploader = make_uploader(api)
    assert (await uploader.step()).step is Step.REBATCH
    assert [r["reading"]["value"] for r in box.rejected()] == [62.0]  # type: ignore[index]
    assert (await uploader.step()).step is Step.SENT
    resent = json.loads(api.requests[1].content)["readings"]
    assert [r["value"] for r in resent] == [60.0, 61.0]
    assert api.requests[0].headers["Idempotency-Key"] != api.requests[1].headers["Idempotency-Key"]


async def test_422_naming_no_reading_parks_the_batch_in_the_rejected_log(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(2))
    detail = {"detail": [{"loc": ["body", "gateway_id"], "msg": "field required"}]}
    result = await make_uploader(FakeApi([status(422, json=detail)])).step()
    assert result.step is Step.REBATCH
    assert box.depth() == 0
    assert [r["field"] for r in box.rejected()] == ["batch", "batch"]


@pytest.mark.parametrize("code", [401, 403])
async def test_auth_failure_halts_and_keeps_the_data(
    box: Outbox, make_uploader: MakeUploader, code: int
) -> None:
    box.put(heart_rates(2))
    uploader = make_uploader(FakeApi([status(code, json={"detail": "no"})]))
    result = await uploader.step()
    assert result.step is Step.HALTED
    assert box.depth() == 2
    assert uploader.halted_reason is not None
    assert f"HTTP {code}" in uploader.halted_reason


async def test_halt_without_retry_ends_the_run_loop(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(2))
    api = FakeApi([status(401)])
    await make_uploader(api, halt_retry_s=None).run(asyncio.Event())
    assert len(api.requests) == 1
    assert box.depth() == 2


async def test_413_halves_the_batch_and_resends(box: Outbox, make_uploader: MakeUploader) -> None:
    box.put(heart_rates(8))
    api = FakeApi([status(413), receipt])
    uploader = make_uploader(api, batch_size=8)
    assert (await uploader.step()).step is Step.REBATCH
    assert (await uploader.step()).step is Step.SENT
    assert len(json.loads(api.requests[1].content)["readings"]) == 4
    assert box.depth() == 4


async def test_409_reforms_the_batch_under_a_new_key(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(2))
    api = FakeApi([status(409), receipt])
    uploader = make_uploader(api)
    await uploader.step()
    await uploader.step()
    keys = [r.headers["Idempotency-Key"] for r in api.requests]
    assert keys[0] != keys[1]
    assert box.depth() == 0


async def test_a_key_conflict_422_reforms_the_batch_and_loses_nothing(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(2))
    conflict = status(
        422,
        json={"detail": "Idempotency-Key 'k' was already used"},
        headers={"X-Wearmon-Error": "idempotency_conflict"},
    )
    api = FakeApi([conflict, receipt])
    uploader = make_uploader(api)
    assert (await uploader.step()).step is Step.REBATCH
    assert (await uploader.step()).step is Step.SENT
    keys = [r.headers["Idempotency-Key"] for r in api.requests]
    assert keys[0] != keys[1]
    assert box.rejected() == []
    assert box.depth() == 0


async def test_a_too_many_readings_422_splits_the_batch(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(8))
    too_many = status(
        422,
        json={"detail": "readings: 8 readings exceed the limit"},
        headers={"X-Wearmon-Error": "too_many_readings"},
    )
    api = FakeApi([too_many, receipt])
    uploader = make_uploader(api, batch_size=8)
    assert (await uploader.step()).step is Step.REBATCH
    assert (await uploader.step()).step is Step.SENT
    assert len(json.loads(api.requests[1].content)["readings"]) == 4
    assert box.rejected() == []


async def test_unreadable_200_is_retried_not_acknowledged(
    box: Outbox, make_uploader: MakeUploader
) -> None:
    box.put(heart_rates(2))
    result = await make_uploader(FakeApi([status(200, text="<html>portal</html>")])).step()
    assert result.step is Step.RETRY
    assert box.depth() == 2


async def test_empty_outbox_sends_nothing(make_uploader: MakeUploader) -> None:
    api = FakeApi([receipt])
    assert (await make_uploader(api).step()).step is Step.EMPTY
    assert api.requests == []


async def test_batch_resent_after_restart_is_byte_identical(
    open_outbox: OpenOutbox, sleeps: Sleeps
) -> None:
    first_box = open_outbox()
    first_box.put(heart_rates(3))
    seen: list[httpx.Request] = []

    def record(answer: Handler) -> Handler:
        return lambda request: seen.append(request) or answer(request)  # type: ignore[func-returns-value]

    async with httpx.AsyncClient(transport=httpx.MockTransport(record(network_down))) as c:
        settings = UploaderSettings(api_url="https://api.test", token="t", backoff_base_s=0.0)
        await Uploader(first_box, c, settings, sleep=sleeps).step()
    restarted = open_outbox()
    async with httpx.AsyncClient(transport=httpx.MockTransport(record(receipt))) as c:
        await Uploader(restarted, c, settings, sleep=sleeps).step()
    assert seen[0].content == seen[1].content
    assert seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]
    assert restarted.depth() == 0
