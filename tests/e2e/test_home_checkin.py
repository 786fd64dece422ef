"""Check-ins answered at the home page reach the database exactly once.

The real gateway (``run_gateway``, its home page on a loopback port), the real API and
PostgreSQL. The participant's answers are sent to the page as the browser sends them
(its JSON endpoints); the browser itself is tested in tests/gateway/home.

- The network is down while she completes the check-in: it waits in the outbox, the
  gateway keeps trying under one Idempotency-Key, and it is stored once when the API is
  back.
- The gateway restarts in the middle of a check-in (stopped, or its process SIGKILLed as a
  power cut leaves it): the answers given so far persist, the page resumes at the next
  question, and the completed check-in is stored once.
- A participant the server has not bound to this gateway: the API's 403 is recorded as a
  rejected check-in, not retried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from gateway.checkin_queue import CheckinQueue
from gateway.config import GatewayConfig, HomeConfig, HomeParticipant
from gateway.outbox import Outbox
from tests.e2e.conftest import Stack
from tests.e2e.gateway_runner import RunningGateway, gateway_config, running_gateway
from tests.e2e.harness import time_limit, wait_until
from tests.gateway.home.process import home_gateway, write_config
from tests.ingest.conftest import enrol_home, make_settings, serve_in_thread

pytestmark = [pytest.mark.db]

NAME = "영자"
# One answer per GDS-15 item (published order); items 1, 5, 7, 11 and 13 score on "no",
# the others on "yes" (Sheikh & Yesavage 1986): 9 points, counted by hand.
ANSWERS = ["no", "yes", "yes", "yes", "no", "yes", "no", "yes", "yes", "no", "yes", "no"]
ANSWERS += ["yes", "no", "no"]
EXPECTED_SCORE = 9


def _config(stack: Stack, tmp_path: Path, *extra: HomeParticipant) -> GatewayConfig:
    home = HomeConfig(
        participants=(HomeParticipant(str(stack.home.participant_id), NAME), *extra),
        host="127.0.0.1",
        port=0,  # any free port; the test asks the page where it is
        speech_dir=tmp_path / "speech",
    )
    config = gateway_config(stack.home, stack.api_url, stack.outbox_path, kinds=())
    return dataclasses.replace(config, home=home)


class Tablet:
    """What the page's JavaScript sends, for one participant."""

    def __init__(self, gw: RunningGateway, client: httpx.AsyncClient, participant: str) -> None:
        assert gw.runtime.home is not None
        self.base = f"{gw.runtime.home.url}/api/participants/{participant}/checkin"
        self.client = client

    async def start(self) -> dict[str, Any]:
        return await self._post("start", {"lang": "ko"})

    async def answer(self, event: str) -> dict[str, Any]:
        return await self._post("event", {"event": event, "lang": "ko"})

    async def _post(self, what: str, body: dict[str, str]) -> dict[str, Any]:
        response = await self.client.post(f"{self.base}/{what}", json=body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


async def _stored(db_url: str, participant_id: uuid.UUID) -> list[tuple[int, int, str]]:
    """(score, answers, key) of every check-in of the participant in the database."""
    async with await psycopg.AsyncConnection.connect(db_url) as conn:
        cur = await conn.execute(
            "SELECT c.score, (SELECT count(*) FROM checkin_answers a "
            "WHERE a.checkin_id = c.checkin_id), c.idempotency_key FROM checkins c "
            "WHERE c.participant_id = %s AND c.instrument = 'gds15'",
            (participant_id,),
        )
        rows = await cur.fetchall()
    return [(int(score), int(n), str(key)) for score, n, key in rows]


@time_limit()
async def test_checkin_completed_while_the_network_is_down_arrives_exactly_once(
    stack: Stack, tmp_path: Path
) -> None:
    config = _config(stack, tmp_path)
    async with (
        running_gateway(config, stack.radio, stack.hr_clock.now) as gw,
        httpx.AsyncClient(timeout=10.0) as client,
    ):
        tablet = Tablet(gw, client, str(stack.home.participant_id))
        await asyncio.to_thread(stack.api.stop)  # the home's internet goes down
        turn = await tablet.start()
        assert turn["say"][0]["text"].startswith(f"안녕하세요, {NAME}님")
        for answer in ANSWERS:
            turn = await tablet.answer(answer)
        assert turn["phase"] == "done"
        queue = gw.runtime.checkins

        async def tried_twice() -> bool:
            return len(gw.http.bodies("/ingest/checkin")) >= 2

        await wait_until(tried_twice, "the gateway to try the upload while the API is down")
        assert await asyncio.to_thread(queue.pending_count) == 1  # kept, not lost
        assert await _stored(stack.db_url, stack.home.participant_id) == []

        await asyncio.to_thread(stack.api.start)  # the internet is back

        async def delivered() -> bool:
            return await asyncio.to_thread(queue.pending_count) == 0

        await wait_until(delivered, "the check-in to be delivered", 30.0)
        tried = gw.http.bodies("/ingest/checkin")

    stored = await _stored(stack.db_url, stack.home.participant_id)
    assert [(score, n) for score, n, _ in stored] == [(EXPECTED_SCORE, 15)]
    # Every attempt carried the same bytes under the same key; the API stored it once.
    sent = [r for r in gw.http.requests if r.url.path.endswith("/ingest/checkin")]
    keys = {r.headers["Idempotency-Key"] for r in sent}
    assert keys == {stored[0][2]}
    assert len(set(tried)) == 1
    answers = stack.api.receipts.checkins
    assert [a.verdict for a in answers] == ["stored"]


@time_limit()
async def test_a_restart_mid_checkin_resumes_and_uploads_once(stack: Stack, tmp_path: Path) -> None:
    config = _config(stack, tmp_path)
    pid = str(stack.home.participant_id)
    async with (
        running_gateway(config, stack.radio, stack.hr_clock.now) as gw,
        httpx.AsyncClient(timeout=10.0) as client,
    ):
        tablet = Tablet(gw, client, pid)
        await tablet.start()
        for answer in ANSWERS[:6]:
            turn = await tablet.answer(answer)
        assert turn["item"] == 7
    # The gateway stopped (power cut, update) with six answers given and none uploaded.
    assert await _stored(stack.db_url, stack.home.participant_id) == []

    async with (
        running_gateway(config, stack.radio, stack.hr_clock.now) as gw,
        httpx.AsyncClient(timeout=10.0) as client,
    ):
        assert gw.runtime.home is not None
        home = (await client.get(f"{gw.runtime.home.url}/api/home")).json()
        assert home["participants"][0]["in_progress"] == ["gds15"]
        tablet = Tablet(gw, client, pid)
        turn = await tablet.start()
        assert (turn["phase"], turn["item"]) == ("asking", 7)
        assert turn["say"][0]["kind"] == "resume"
        assert NAME in turn["say"][0]["text"]
        for answer in ANSWERS[6:]:
            turn = await tablet.answer(answer)
        assert turn["phase"] == "done"
        queue = gw.runtime.checkins

        async def delivered() -> bool:
            return await asyncio.to_thread(queue.pending_count) == 0

        await wait_until(delivered, "the check-in to be delivered", 30.0)

    stored = await _stored(stack.db_url, stack.home.participant_id)
    assert [(score, n) for score, n, _ in stored] == [(EXPECTED_SCORE, 15)]
    assert [a.verdict for a in stack.api.receipts.checkins] == ["stored"]


@time_limit()
async def test_a_participant_not_bound_to_the_gateway_is_recorded_as_rejected(
    stack: Stack, tmp_path: Path
) -> None:
    stranger = str(uuid.uuid4())
    config = _config(stack, tmp_path, HomeParticipant(stranger, "낯선 사람"))
    async with (
        running_gateway(config, stack.radio, stack.hr_clock.now) as gw,
        httpx.AsyncClient(timeout=10.0) as client,
    ):
        tablet = Tablet(gw, client, stranger)
        await tablet.start()
        for answer in ANSWERS:
            await tablet.answer(answer)
        queue = gw.runtime.checkins

        async def refused() -> bool:
            return bool(await asyncio.to_thread(queue.rejected))

        await wait_until(refused, "the API's refusal to be recorded", 30.0)
        (kept,) = await asyncio.to_thread(queue.rejected)
        await asyncio.sleep(0.5)  # several idle rounds: it is not sent again
        assert kept.http_status == 403
        assert await asyncio.to_thread(queue.pending_count) == 0
        assert len(gw.http.bodies("/ingest/checkin")) == 1


def test_a_power_cut_mid_checkin_loses_no_answer_and_uploads_once(
    db_url: str, tmp_path: Path
) -> None:
    """``wearmon gateway`` SIGKILLed after six answers (as a power cut leaves it)."""
    home = enrol_home(db_url)
    pid = str(home.participant_id)
    for api_url in serve_in_thread(make_settings(db_url)):
        config = write_config(home, api_url, tmp_path, NAME)
        with home_gateway(config) as gw:
            base = f"{gw.page_url}/api/participants/{pid}/checkin"
            httpx.post(f"{base}/start", json={}, timeout=10).raise_for_status()
            for answer in ANSWERS[:6]:
                httpx.post(f"{base}/event", json={"event": answer}, timeout=10).raise_for_status()
            gw.proc.send_signal(signal.SIGKILL)
            gw.proc.wait(timeout=10)

        box = Outbox(tmp_path / "outbox.sqlite3", gateway_id=str(home.gateway_id), max_rows=10)
        try:
            saved = CheckinQueue(box).open_state(pid, "gds15")
        finally:
            box.close()
        assert saved is not None
        assert [a["answer"] for a in saved["answers"]] == ANSWERS[:6]

        with home_gateway(config) as gw:
            base = f"{gw.page_url}/api/participants/{pid}/checkin"
            turn = httpx.post(f"{base}/start", json={}, timeout=10).json()
            assert (turn["item"], turn["say"][0]["kind"]) == (7, "resume")
            for answer in ANSWERS[6:]:
                turn = httpx.post(f"{base}/event", json={"event": answer}, timeout=10).json()
            assert turn["phase"] == "done"
            deadline = time.monotonic() + 30.0
            while not asyncio.run(_stored(db_url, home.participant_id)):
                assert time.monotonic() < deadline, gw.log.read_text()[-3000:]
                time.sleep(0.2)
            time.sleep(1.0)  # a second upload, if there were one, would land now

    stored = asyncio.run(_stored(db_url, home.participant_id))
    assert [(score, n) for score, n, _ in stored] == [(EXPECTED_SCORE, 15)]
