"""The home check-in page in a real browser (Debian's Chromium driven by Playwright).

The real stack: the API on a fresh PostgreSQL, and ``wearmon gateway`` as a home hub runs
it (its own process, no wearables, the home page on a free loopback port). As a
participant would: the page greets in Korean with very large type, she answers the whole
GDS-15 by touching the buttons (one "not sure", one "repeat", a stop and a resume on the
way), every prompt is spoken (WAV files rendered at the gateway), she is thanked and
never shown a score; the check-in reaches the database once. A screenshot of each screen
goes to tests/artifacts/home/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from tests.dashboard.browser.test_browser import CHROMIUM, LAUNCH_ARGS, TABLET, need_browser
from tests.gateway.home.process import home_gateway, write_config
from tests.gateway.home.test_speech import _need_espeak
from tests.ingest.conftest import enrol_home, make_settings, serve_in_thread

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "home"
TIMEOUT_MS = 30_000
NAME = "영자"
# One answer per item in the published GDS-15 order. Items 1, 5, 7, 11 and 13 score a
# point on "no", the others on "yes" (Sheikh & Yesavage 1986): these score 5 (items 1, 2,
# 4, 8 and 13), counted by hand.
ANSWERS = ["no", "yes", "no", "yes", "yes", "no", "yes", "yes", "no", "no", "yes", "no", "no"]
ANSWERS += ["no", "no"]
EXPECTED_SCORE = 5


@dataclass
class HomeStack:
    page_url: str
    db_url: str
    participant_id: str
    speech_dir: Path
    gateway_log: Path


@pytest.fixture
def home_stack(db_url: str, tmp_path: Path) -> Iterator[HomeStack]:
    need_browser()
    _need_espeak()
    home = enrol_home(db_url)
    for api_url in serve_in_thread(make_settings(db_url)):
        with home_gateway(write_config(home, api_url, tmp_path, NAME)) as gw:
            yield HomeStack(
                gw.page_url, db_url, str(home.participant_id), tmp_path / "speech", gw.log
            )


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _px(page: Page, selector: str, prop: str = "font-size") -> float:
    value = page.eval_on_selector(selector, f"e => getComputedStyle(e).getPropertyValue('{prop}')")
    return float(str(value).removesuffix("px"))


def _collect_audio(response: Response, into: list[str]) -> None:
    if "/checkin/" in response.url and response.ok:
        into.extend(str(say["audio"] or "") for say in response.json()["say"])


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


def _stored_checkins(db_url: str, participant_id: str) -> list[tuple[str, int, int]]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT c.instrument, c.score, (SELECT count(*) FROM checkin_answers a "
            "WHERE a.checkin_id = c.checkin_id) FROM checkins c WHERE c.participant_id = %s "
            "ORDER BY c.completed_at",
            (participant_id,),
        ).fetchall()
    return [(str(instrument), int(score), int(n)) for instrument, score, n in rows]


def test_participant_answers_a_whole_gds15_by_touch_in_korean(home_stack: HomeStack) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_context(viewport=TABLET, locale="ko-KR").new_page()
            page.set_default_timeout(TIMEOUT_MS)
            spoken: list[str] = []  # audio of every prompt the gateway answered with
            fetched: list[str] = []  # audio the page asked for
            page.on("response", lambda r: _collect_audio(r, spoken))
            page.on("request", lambda r: fetched.append(r.url) if "/speech/" in r.url else None)
            page.goto(home_stack.page_url)
            # Korean by default, greeting by the chosen name, the week from the API.
            expect(page.locator("#hello")).to_have_text(f"{NAME}님, 안녕하세요.")
            assert page.evaluate("document.documentElement.lang") == "ko"
            expect(page.locator("#start")).to_have_text("체크 시작하기")
            expect(page.locator("#week li")).to_have_count(3)
            expect(page.locator("#week")).not_to_contain_text("불러오고")
            # Very large type: 24 px is WCAG's "large text"; the page is well beyond it.
            assert _px(page, "body") >= 36
            assert _px(page, "#hello") >= 48
            assert _px(page, "#start") >= 42
            assert page.eval_on_selector("#start", "e => e.getBoundingClientRect().height") >= 100
            _shot(page, "1-welcome-ko")

            page.click("#start")
            expect(page.locator("#progress")).to_have_text("질문 1 / 15")
            expect(page.locator("#lead-in")).to_contain_text(f"{NAME}님")
            assert _px(page, "#prompt") >= 54
            for button in ("yes", "no", "not_sure", "skip"):
                assert _px(page, f"#btn-{button}") >= 42
            for button in ("repeat", "stop"):
                assert _px(page, f"#btn-{button}") >= 36
            expect(page.locator("#btn-yes")).to_have_text("예")
            expect(page.locator("#btn-not_sure")).to_have_text("잘 모르겠어요")
            _shot(page, "2-question-ko")
            first = page.locator("#prompt").inner_text()

            # "Repeat" asks the same question again and records nothing.
            page.click("#btn-repeat")
            expect(page.locator("#progress")).to_have_text("질문 1 / 15")
            expect(page.locator("#prompt")).to_have_text(first)
            # "Not sure" once: a gentle second ask of the same item.
            page.click("#btn-not_sure")
            expect(page.locator("#lead-in")).to_be_visible()
            expect(page.locator("#progress")).to_have_text("질문 1 / 15")

            for n, answer in enumerate(ANSWERS[:7], start=1):
                expect(page.locator("#progress")).to_have_text(f"질문 {n} / 15")
                page.click(f"#btn-{answer}")
            # Stop after seven answers, come back to the start, resume at question 8.
            expect(page.locator("#progress")).to_have_text("질문 8 / 15")
            page.click("#btn-stop")
            expect(page.locator("#btn-resume")).to_be_visible()
            _shot(page, "3-stopped-ko")
            page.click("#btn-home")
            expect(page.locator("#start")).to_have_text("이어서 하기")
            page.click("#start")
            expect(page.locator("#progress")).to_have_text("질문 8 / 15")
            expect(page.locator("#lead-in")).to_contain_text("이어서")
            for n, answer in enumerate(ANSWERS[7:], start=8):
                expect(page.locator("#progress")).to_have_text(f"질문 {n} / 15")
                page.click(f"#btn-{answer}")

            expect(page.locator("#end-screen")).to_be_visible()
            expect(page.locator("#message")).to_contain_text(f"고맙습니다, {NAME}님")
            message = page.locator("#message").inner_text()
            assert not any(ch.isdigit() for ch in message)  # no score, no diagnosis
            _shot(page, "4-thanks-ko")

            # Every prompt came with its audio, rendered at the gateway as a real WAV, and
            # the page loaded it into its audio element.
            assert len(spoken) >= 15 + 5  # items, greeting, intro, unsure, stopped, resume...
            assert all(spoken), "a prompt came without audio"
            for url in spoken:
                path = home_stack.speech_dir / url.rsplit("/", 1)[1]
                assert path.stat().st_size > 0
                assert _wav_seconds(path) > 0.3
            assert fetched
            assert {u.removeprefix(home_stack.page_url) for u in fetched} <= set(spoken)

            # Uploaded through the outbox: once in the database, with the score the
            # published rules give. Her week now says the care team has it.
            deadline = time.monotonic() + 30.0
            while not _stored_checkins(home_stack.db_url, home_stack.participant_id):
                assert time.monotonic() < deadline, home_stack.gateway_log.read_text()[-3000:]
                time.sleep(0.2)
            page.click("#btn-home")
            expect(page.locator("#start")).to_have_text("체크 시작하기")
            expect(page.locator("#week")).to_contain_text("돌봄팀에 전달되었고")

            # The daily two-question check, from its own button.
            page.click("#start-daily2")
            expect(page.locator("#progress")).to_have_text("질문 1 / 2")
            page.click("#btn-no")
            expect(page.locator("#progress")).to_have_text("질문 2 / 2")
            page.click("#btn-no")
            expect(page.locator("#message")).to_contain_text(f"고맙습니다, {NAME}님")
            page.click("#btn-home")

            page.click("#lang-switch")
            expect(page.locator("#start")).to_have_text("Start the check-in")
            expect(page.locator("#week")).to_contain_text("has reached your care team")
            assert page.evaluate("document.documentElement.lang") == "en"
            _shot(page, "5-welcome-en")
        finally:
            browser.close()

    deadline = time.monotonic() + 30.0
    while len(_stored_checkins(home_stack.db_url, home_stack.participant_id)) < 2:
        assert time.monotonic() < deadline, home_stack.gateway_log.read_text()[-3000:]
        time.sleep(0.2)
    assert _stored_checkins(home_stack.db_url, home_stack.participant_id) == [
        ("gds15", EXPECTED_SCORE, 15),
        ("daily2", 0, 2),
    ]
