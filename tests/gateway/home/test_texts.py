"""The week summary in plain words: Korean by default, no raw numbers beyond hours and %."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from gateway.home.texts import LABELS, labels, week_summary

SEOUL = ZoneInfo("Asia/Seoul")
WEEK: dict[str, Any] = {
    "participant_id": "p",
    "display_name": "Kim",
    "wear_time_hours_7d": 151.6,
    "time_in_range_pct_7d": 68.4,
    # 23:30 UTC on 1 December is 08:30 on 2 December in Seoul.
    "last_checkin": {"completed_at": "2026-12-01T23:30:00+00:00", "seen_by_care_team": True},
}


def test_korean_summary_of_a_full_week() -> None:
    assert week_summary(WEEK, "ko", SEOUL) == [
        "지난 7일 동안 기기를 152시간 착용하셨어요. 하루에 약 22시간이에요.",
        "혈당이 목표 범위 안에 있었던 시간은 68%예요.",
        "12월 2일에 하신 마음 건강 체크를 돌봄팀이 확인했어요.",
    ]


def test_english_summary_and_an_unseen_checkin() -> None:
    last = {"completed_at": "2026-12-01T23:30:00+00:00", "seen_by_care_team": False}
    week = {**WEEK, "last_checkin": last}
    lines = week_summary(week, "en", SEOUL)
    assert lines[2] == (
        "Your check-in of 2 December has reached your care team; they will look at it soon."
    )


def test_missing_data_is_said_plainly() -> None:
    week = {"wear_time_hours_7d": None, "time_in_range_pct_7d": None, "last_checkin": None}
    assert week_summary(week, "ko", SEOUL) == [
        "지난 7일 동안 기기 착용 기록이 아직 없어요.",
        "지난 7일 동안의 혈당 기록이 아직 없어요.",
        "아직 마음 건강 체크를 하신 적이 없어요.",
    ]


def test_unreachable_api_gives_one_calm_sentence() -> None:
    (line,) = week_summary(None, "ko", SEOUL)
    assert "인터넷" in line


def test_every_language_has_every_label_and_korean_is_the_default() -> None:
    assert set(LABELS["ko"]) == set(LABELS["en"])
    assert labels("fr") == LABELS["ko"]
