"""The home page's HTTP server: its JSON endpoints, their refusals, and the port check.

Real parts: the server on a loopback port, the outbox on disk, the shipped GDS-15 file
and the dialogue; the week source is a function (the API is exercised in tests/e2e).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from checkins.instruments import load_instrument
from gateway.checkin_queue import CheckinQueue
from gateway.config import GatewayConfig, HomeConfig, HomeParticipant
from gateway.errors import ConfigError
from gateway.home.app import open_home_page
from gateway.home.checkin import HomeCheckins
from gateway.home.server import HomeApp, HomePage, host_allowed
from gateway.home.speech import Speech
from gateway.outbox import Outbox
from tests.gateway.conftest import FixedClock

pytestmark = pytest.mark.timeout(30)

PID = "8c1e6a52-0d55-4f8e-9d7b-3f0a4f0c1a11"
WEEK = {"wear_time_hours_7d": 70.0, "time_in_range_pct_7d": 80.0, "last_checkin": None}


class Home:
    def __init__(self, page: HomePage, queue: CheckinQueue, client: httpx.AsyncClient) -> None:
        self.page, self.queue, self.client = page, queue, client

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.client.post(f"{self.page.url}{path}", json=body)

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(f"{self.page.url}{path}")


@pytest.fixture
async def home(box: Outbox, tmp_path: Path) -> AsyncIterator[Home]:
    queue = CheckinQueue(box)
    woken: list[int] = []
    checkins = HomeCheckins(
        queue,
        [load_instrument("gds15"), load_instrument("daily2")],
        gateway_id="gw-test",
        names={PID: "영자"},
        speech=Speech(tmp_path / "speech", program="espeak-ng-missing"),
        on_complete=lambda: woken.append(1),
        clock=FixedClock(),
    )
    weeks: dict[str, Mapping[str, Any] | None] = {PID: WEEK}
    page = HomePage(
        "127.0.0.1", 0, HomeApp(checkins, checkins._speech, weeks.get, ZoneInfo("Asia/Seoul"))
    )
    stop = asyncio.Event()
    task = asyncio.create_task(page.serve(stop))
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield Home(page, queue, client)
    stop.set()
    await task


async def test_page_and_assets_are_served_korean_first(home: Home) -> None:
    index = await home.get("/")
    assert index.status_code == 200
    assert '<html lang="ko">' in index.text
    for asset in ("/static/home.css", "/static/home.js"):
        assert (await home.get(asset)).status_code == 200
    data = (await home.get("/api/home")).json()
    assert data["lang"] == "ko"
    assert data["labels"]["yes"] == "예"
    assert data["participants"] == [
        {"participant_id": PID, "name": "영자", "in_progress": [], "waiting_upload": 0}
    ]
    assert [c["instrument"] for c in data["checkins"]] == ["gds15", "daily2"]
    assert data["speech"] is False  # espeak-ng missing: the page works silently


async def test_week_summary_in_plain_korean(home: Home) -> None:
    lines = (await home.get(f"/api/participants/{PID}/week")).json()["lines"]
    assert lines[0].startswith("지난 7일 동안 기기를 70시간")
    assert "80%" in lines[1]


async def test_a_whole_checkin_is_stored_for_upload_once_with_every_answer(home: Home) -> None:
    turn = (await home.post(f"/api/participants/{PID}/checkin/start", {})).json()
    assert [s["kind"] for s in turn["say"]] == ["greeting", "intro", "item"]
    assert all(s["audio"] is None for s in turn["say"])
    for _ in range(15):
        turn = (await home.post(f"/api/participants/{PID}/checkin/event", {"event": "no"})).json()
    assert turn["phase"] == "done"
    assert not any(ch.isdigit() for s in turn["say"] for ch in s["text"])  # no score shown
    pending = await asyncio.to_thread(home.queue.next_pending)
    assert pending is not None
    body = json.loads(pending.body)
    assert (body["gateway_id"], body["participant_id"], body["instrument"]) == (
        "gw-test",
        PID,
        "gds15",
    )
    assert [a["item"] for a in body["answers"]] == list(range(1, 16))
    assert {a["answer"] for a in body["answers"]} == {"no"}
    # Finished: an answer now is refused, and a new start begins a new check-in.
    late = await home.post(f"/api/participants/{PID}/checkin/event", {"event": "yes"})
    assert late.status_code == 422
    assert "start one" in late.json()["error"]


async def test_the_daily_check_runs_beside_a_weekly_one_in_progress(home: Home) -> None:
    await home.post(f"/api/participants/{PID}/checkin/start", {"instrument": "gds15"})
    await home.post(f"/api/participants/{PID}/checkin/event", {"event": "yes"})
    start = {"instrument": "daily2"}
    turn = (await home.post(f"/api/participants/{PID}/checkin/start", start)).json()
    assert (turn["instrument"], turn["item"], turn["total"]) == ("daily2", 1, 2)
    for answer in ("no", "yes"):
        event = {"instrument": "daily2", "event": answer}
        turn = (await home.post(f"/api/participants/{PID}/checkin/event", event)).json()
    assert turn["phase"] == "done"
    pending = await asyncio.to_thread(home.queue.next_pending)
    assert pending is not None
    body = json.loads(pending.body)
    assert body["instrument"] == "daily2"
    assert [(a["item"], a["answer"]) for a in body["answers"]] == [(1, "no"), (2, "yes")]
    status = (await home.get("/api/home")).json()["participants"][0]
    assert status["in_progress"] == ["gds15"]  # the weekly one waits where it was
    assert status["waiting_upload"] == 1


@pytest.mark.parametrize(
    ("path", "body", "status", "named"),
    [
        (f"/api/participants/{PID}/checkin/event", {"event": "jump"}, 422, "event 'jump'"),
        (f"/api/participants/{PID}/checkin/event", {"event": 3}, 422, "event"),
        (f"/api/participants/{PID}/checkin/start", {"lang": "fr"}, 422, "lang 'fr'"),
        (f"/api/participants/{PID}/checkin/start", {"instrument": "phq9"}, 422, "'phq9'"),
        (f"/api/participants/{PID}/checkin/start", {"instrument": 9}, 422, "instrument"),
        (f"/api/participants/{PID}/checkin/start", [1], 400, "JSON object"),
        ("/api/participants/someone-else/checkin/start", {}, 404, "not paired"),
        ("/api/participants/someone-else/week", None, 404, "not paired"),
        ("/api/nothing", None, 404, "no page"),
    ],
)
async def test_bad_requests_are_refused_naming_the_problem(
    home: Home, path: str, body: Any, status: int, named: str
) -> None:
    await home.post(f"/api/participants/{PID}/checkin/start", {})
    answer = await (home.get(path) if body is None else home.post(path, body))
    assert answer.status_code == status
    assert named in answer.json()["error"]


async def test_posts_must_be_json_so_other_sites_cannot_answer_for_her(home: Home) -> None:
    url = f"{home.page.url}/api/participants/{PID}/checkin/start"
    form = await home.client.post(url, content=b"{}", headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    assert "application/json" in form.json()["error"]
    page = await home.get("/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


async def test_oversized_body_and_unknown_audio_are_refused(home: Home) -> None:
    big = await home.post(f"/api/participants/{PID}/checkin/start", {"pad": "x" * 10_000})
    assert big.status_code == 413
    assert (await home.get("/speech/..%2Foutbox.sqlite3")).status_code == 404
    assert (await home.get("/speech/" + "0" * 64 + ".wav")).status_code == 404


def test_a_busy_port_is_a_clean_configuration_error(box: Outbox, tmp_path: Path) -> None:
    participants = (HomeParticipant(PID, "영자"),)
    config = GatewayConfig(
        gateway_id="gw-test",
        token="t",
        api_url="http://127.0.0.1:9",
        devices=(),
        outbox_path=tmp_path / "outbox.sqlite3",
        home=HomeConfig(participants, host="127.0.0.1", port=0),
    )
    queue = CheckinQueue(box)
    with open_home_page(config, queue, lambda: None, FixedClock()) as first:
        port = int(first.url.rsplit(":", 1)[1])
        busy = GatewayConfig(
            **{**_fields(config), "home": HomeConfig(participants, "127.0.0.1", port)}
        )
        with (
            pytest.raises(ConfigError, match=f"127.0.0.1:{port}.*home.port"),
            open_home_page(busy, queue, lambda: None, FixedClock()),
        ):
            pass


def _fields(config: GatewayConfig) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}


def test_a_stopped_checkin_resumes_only_within_the_period_it_asks_about(
    box: Outbox, tmp_path: Path
) -> None:
    clock = FixedClock()
    checkins = HomeCheckins(
        CheckinQueue(box),
        [load_instrument("gds15"), load_instrument("daily2")],
        gateway_id="gw-test",
        names={PID: "영자"},
        speech=Speech(tmp_path / "speech", program="espeak-ng-missing"),
        on_complete=lambda: None,
        clock=clock,
    )
    start = clock.now
    checkins.begin(PID, "gds15", "ko")
    checkins.answer(PID, "gds15", "yes", "ko")
    checkins.answer(PID, "gds15", "stop", "ko")
    checkins.begin(PID, "daily2", "ko")
    # Six days later the weekly one continues at its second question ...
    clock.now = start + dt.timedelta(days=6)
    assert checkins.status(PID)["in_progress"] == ["gds15"]  # the daily one is stale
    assert checkins.begin(PID, "gds15", "ko")["item"] == 2
    checkins.answer(PID, "gds15", "stop", "ko")
    # ... eight days later its answers no longer describe the past week: a fresh start.
    clock.now = start + dt.timedelta(days=8)
    assert checkins.status(PID)["in_progress"] == []
    with pytest.raises(LookupError, match="no gds15 check-in in progress"):
        checkins.answer(PID, "gds15", "yes", "ko")
    turn = checkins.begin(PID, "gds15", "ko")
    assert (turn["item"], turn["phase"]) == (1, "asking")
    assert checkins.status(PID)["in_progress"] == ["gds15"]


NAMES = frozenset({"localhost", "homehub", "homehub.local"})


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8088", True),
        ("192.168.0.10:8088", True),
        ("192.168.0.10", True),
        ("[::1]:8088", True),
        ("[fe80::1]", True),
        ("::1", True),
        ("localhost:8088", True),
        ("HomeHub.local:8088", True),
        ("homehub.", True),
        ("evil.example:8088", False),  # a rebinding page names its own domain
        ("192.168.0.10.evil.example", False),
        ("homehub.local.evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_only_requests_naming_this_gateway_are_served(host: str | None, allowed: bool) -> None:
    assert host_allowed(host, NAMES) is allowed


async def test_a_rebinding_host_header_is_refused_before_any_data(home: Home) -> None:
    response = await home.client.get(f"{home.page.url}/api/home", headers={"Host": "evil.example"})
    assert response.status_code == 421
    assert "is not this gateway" in response.json()["error"]
    assert PID not in response.text
    response = await home.client.post(
        f"{home.page.url}/api/participants/{PID}/checkin/start",
        json={"instrument": "gds15"},
        headers={"Host": "evil.example:8088"},
    )
    assert response.status_code == 421
    assert await asyncio.to_thread(home.queue.open_state, PID, "gds15") is None
