"""The demo walkthrough, in a real browser against a real ``wearmon demo``.

What the README promises a first-time user: start the demo, sign in at the printed URL
as the demo clinician, find the participants with atrial-fibrillation-like rhythm and
with night-time hypoglycaemia at the top of the triage list, open one, see the episode
on the shared timeline and the AGP, acknowledge and resolve the alert; then the printed
``wearmon audit list`` command shows each step. Three participants (healthy,
paroxysmal_af, nocturnal_hypo: the cohort's first three) keep it to a few minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.browser.demo import PASSWORD, USERNAME, Demo, run_demo
from tests.dashboard.browser.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    TIMEOUT_MS,
    VIEWPORT,
    need_browser,
    wait_heart_window,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    need_browser()
    with run_demo(tmp_path, participants=3, minutes=12) as running:
        yield running


def _timeline(page: Any) -> dict[str, Any]:
    """What the timeline chart holds, read from plotly's graph div (``calcdata``: the
    points as drawn, after the figure's binary arrays were decoded)."""
    return dict(
        page.evaluate(
            """() => {
              const gd = document.querySelector('#timeline .js-plotly-plot');
              return {
                names: gd.data.map(t => t.name),
                minY: gd.calcdata.map(
                  points => Math.min(...points.map(p => p.y).filter(Number.isFinite))),
                texts: gd.data.map(t => Array.from(t.text || [])),
                count: gd.data.map(t => (t.x || []).length),
              };
            }"""
        )
    )


def test_demo_walkthrough(demo: Demo) -> None:
    from playwright.sync_api import expect, sync_playwright

    af = demo.participant("paroxysmal_af")
    hypo = demo.participant("nocturnal_hypo")
    demo.wait_for_alerts({af["participant_id"]: "af_burden", hypo["participant_id"]: "hypo_level2"})
    # The demo's homes upload a day of history meanwhile: pages take longer than usual.
    expect.set_options(timeout=TIMEOUT_MS * 4)
    shots = ARTIFACTS / "demo"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(
                viewport=VIEWPORT, locale="ko-KR", timezone_id="Asia/Seoul"
            )
            context.set_default_timeout(TIMEOUT_MS * 4)
            page = context.new_page()
            page.goto(demo.dashboard_url)
            page.fill("#username", USERNAME)
            page.fill("#password", PASSWORD)
            page.click("#sign-in")

            # The AF and the hypoglycaemia participants lead the list (the API's order:
            # highest open severity, then time below 54 mg/dL, then least CGM data).
            rows = page.locator("table.triage tbody tr")
            expect(rows).to_have_count(3)
            top = [rows.nth(i).locator("th a").get_attribute("href") or "" for i in range(2)]
            assert {h.rsplit("/", 1)[-1] for h in top} == {
                af["participant_id"],
                hypo["participant_id"],
            }, top
            # The hypoglycaemia (HIGH) first; the AF row shows its burden.
            expect(rows.nth(0).locator(".badge")).to_contain_text("높음")
            expect(rows.nth(1).locator("td.af-burden")).not_to_have_text("—")
            page.screenshot(path=str(shots / "triage-ko.png"), full_page=True)

            # The hypoglycaemia participant: the episode on the shared timeline, the AGP.
            page.locator(f"a[href$='{hypo['participant_id']}']").click()
            expect(page.locator("#timeline .main-svg").first).to_be_visible()
            expect(page.get_by_text("활동 혈당 프로필")).to_be_visible()
            wait_heart_window(page)
            drawn = _timeline(page)
            glucose = drawn["names"].index("혈당")
            assert drawn["minY"][glucose] < 54, drawn  # the night's low, on the trace
            marked = [text for texts in drawn["texts"] for text in texts]
            assert "혈당 54 mg/dL 미만 15분 이상" in marked, drawn  # its alert, same axis
            page.screenshot(path=str(shots / "participant-hypo-ko.png"), full_page=True)

            # Acknowledge and resolve the level 2 alert.
            card = page.locator(".alert-card").filter(
                has=page.locator("h3", has_text="혈당 54 mg/dL 미만 15분 이상")
            )
            card.get_by_role("button", name="확인").click()
            expect(page.locator("#alert-status")).to_contain_text("알림을 확인했습니다.")
            expect(card).to_contain_text(USERNAME)
            card.get_by_label("조치 필요했음").check()
            card.locator("textarea").fill("보호자와 통화, 주스 섭취 확인")
            card.get_by_role("button", name="해결").click()
            expect(page.locator("#alert-status")).to_contain_text("알림을 해결했습니다.")
            expect(card).to_have_count(0)

            # The AF participant: the alert on the timeline, the AF burden above zero.
            page.goto(f"{demo.dashboard_url}participant/{af['participant_id']}")
            expect(page.locator("#timeline .main-svg").first).to_be_visible()
            wait_heart_window(page)
            drawn = _timeline(page)
            marked = [text for texts in drawn["texts"] for text in texts]
            assert "불규칙 리듬 (심방세동 의심), 임상 검토" in marked, drawn
            page.screenshot(path=str(shots / "participant-af-ko.png"), full_page=True)
        except Exception:
            # What the page showed when it went wrong, for the person reading the failure.
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    # The printed audit command shows each step of the nurse's.
    steps = [(r["actor"], r["action"], r["outcome"]) for r in demo.audit(hypo["participant_id"])]
    mine = [action for who, action, outcome in steps if who == USERNAME and outcome == "success"]
    assert "read" in mine, steps
    assert any("acknowledge" in a for a in mine), steps
    assert any("resolve" in a for a in mine), steps
