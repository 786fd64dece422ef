"""The check-in uploader against httpx.MockTransport: real client code, scripted answers."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from gateway.checkin_queue import CheckinQueue
from gateway.checkin_uploader import CheckinUploader
from gateway.outbox import Outbox
from gateway.uploader import Step, UploaderSettings
from tests.gateway.conftest import FixedClock
from tests.gateway.test_uploader import FakeApi, Sleeps, network_down, status

pytestmark = pytest.mark.timeout(10)

BODY = json.dumps({"participant_id": "p-1", "instrument": "gds15", "answers": []}).encode()


def stored(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"score": 4, "status": "stored"})


@pytest.fixture
def queue(box: Outbox) -> CheckinQueue:
    return CheckinQueue(box)


@pytest.fixture
async def make(queue: CheckinQueue) -> AsyncIterator[Callable[..., CheckinUploader]]:
    clients: list[httpx.AsyncClient] = []

    def _make(api: FakeApi, **settings: Any) -> CheckinUploader:
        client = httpx.AsyncClient(transport=httpx.MockTransport(api))
        clients.append(client)
        options: dict[str, Any] = {"api_url": "https://api.test/", "token": "tok-1"}
        options.update(settings)
        return CheckinUploader(
            queue, client, UploaderSettings(**options), sleep=Sleeps(), clock=FixedClock()
        )

    yield _make
    for client in clients:
        await client.aclose()


async def test_200_deletes_it_after_one_request_with_key_token_and_exact_body(
    queue: CheckinQueue, make: Callable[..., CheckinUploader]
) -> None:
    key = queue.complete("p-1", "gds15", {}, BODY)
    api = FakeApi([stored])
    assert (await make(api).step()).step is Step.SENT
    (request,) = api.requests
    assert str(request.url) == "https://api.test/api/v1/ingest/checkin"
    assert request.headers["Idempotency-Key"] == key
    assert request.headers["Authorization"] == "Bearer tok-1"
    assert request.content == BODY
    assert queue.next_pending() is None
    assert (await make(api).step()).step is Step.EMPTY


@pytest.mark.parametrize(
    "failure",
    [network_down, status(503), status(408), status(200, text="<html>portal</html>")],
    ids=["network", "503", "408", "unreadable-200"],
)
async def test_transient_failures_keep_it_and_resend_the_same_key_and_bytes(
    queue: CheckinQueue, make: Callable[..., CheckinUploader], failure: Any
) -> None:
    queue.complete("p-1", "gds15", {}, BODY)
    api = FakeApi([failure, failure, stored])
    uploader = make(api, backoff_base_s=0.0)
    steps = [(await uploader.step()).step for _ in range(3)]
    assert steps == [Step.RETRY, Step.RETRY, Step.SENT]
    assert len({r.headers["Idempotency-Key"] for r in api.requests}) == 1
    assert {r.content for r in api.requests} == {BODY}
    assert queue.next_pending() is None


async def test_a_duplicate_answer_also_acknowledges(
    queue: CheckinQueue, make: Callable[..., CheckinUploader]
) -> None:
    queue.complete("p-1", "gds15", {}, BODY)
    duplicate = lambda r: httpx.Response(200, json={"score": 4, "status": "duplicate"})  # noqa: E731
    assert (await make(FakeApi([duplicate])).step()).step is Step.SENT
    assert queue.next_pending() is None


@pytest.mark.parametrize("code", [403, 422])
async def test_403_and_422_are_recorded_as_rejected_and_not_retried(
    queue: CheckinQueue, make: Callable[..., CheckinUploader], code: int
) -> None:
    queue.complete("p-1", "gds15", {}, BODY)
    detail = [{"loc": ["body", "answers", 2, "answer"], "msg": "expected yes, no or skip"}]
    api = FakeApi([status(code, json={"detail": detail if code == 422 else "not bound"})])
    uploader = make(api)
    assert (await uploader.step()).status_code == code
    assert (await uploader.step()).step is Step.EMPTY
    assert len(api.requests) == 1
    (kept,) = queue.rejected()
    assert kept.http_status == code
    assert kept.body == BODY
    assert ("answers.2.answer" if code == 422 else "not bound") in kept.reason


async def test_401_keeps_it_and_halts(
    queue: CheckinQueue, make: Callable[..., CheckinUploader]
) -> None:
    queue.complete("p-1", "gds15", {}, BODY)
    uploader = make(FakeApi([status(401)]))
    assert (await uploader.step()).step is Step.HALTED
    assert uploader.halted_reason is not None
    assert "token" in uploader.halted_reason
    assert queue.pending_count() == 1
    assert queue.rejected() == []


async def test_wake_sends_a_new_checkin_before_the_idle_pause_ends(
    queue: CheckinQueue, make: Callable[..., CheckinUploader]
) -> None:
    delivered = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        delivered.set()
        return stored(request)

    api = FakeApi([answer])
    uploader = make(api, idle_s=60.0)
    stop = asyncio.Event()
    task = asyncio.create_task(uploader.run(stop))
    await asyncio.sleep(0.05)  # now idle for a minute
    queue.complete("p-1", "gds15", {}, BODY)
    await asyncio.to_thread(uploader.wake)  # from another thread, as the page does
    assert await asyncio.to_thread(delivered.wait, 5.0)
    stop.set()
    await task
    assert len(api.requests) == 1
    assert queue.next_pending() is None


async def test_a_wake_while_the_queue_is_being_read_is_not_lost(
    queue: CheckinQueue, make: Callable[..., CheckinUploader]
) -> None:
    # The check-in completes just after the uploader found the queue empty, before it
    # goes idle: the wake must still cut the minute's pause short.
    delivered = threading.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        delivered.set()
        return stored(request)

    uploader = make(FakeApi([answer]), idle_s=60.0)
    read_pending = queue.next_pending
    first = True

    def next_pending() -> Any:
        nonlocal first
        found = read_pending()
        if first:
            first = False
            queue.complete("p-1", "gds15", {}, BODY)
            uploader.wake()
        return found

    queue.next_pending = next_pending  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(uploader.run(stop))
    assert await asyncio.to_thread(delivered.wait, 5.0)
    stop.set()
    await task
