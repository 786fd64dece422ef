"""What the home page says besides the questionnaire: button labels and the week summary.

Korean first (the participants' language), English on request. Plain words for someone
who has never used a smartphone; no numbers beyond hours and a percentage, no alarm
wording, never a diagnosis or a score. Pure functions: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final
from zoneinfo import ZoneInfo

LANGS: Final = ("ko", "en")
DEFAULT_LANG: Final = "ko"

LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "ko": {
        "title": "마음 건강 체크",
        "choose": "누구신가요? 이름을 눌러 주세요.",
        "hello": "{name}님, 안녕하세요.",
        "start": "체크 시작하기",
        "resume": "이어서 하기",
        "start_daily2": "오늘의 기분 (질문 2개)",
        "resume_daily2": "오늘의 기분 이어서 하기",
        "yes": "예",
        "no": "아니요",
        "not_sure": "잘 모르겠어요",
        "skip": "건너뛰기",
        "repeat": "다시 듣기",
        "rephrase": "쉬운 말로",
        "stop": "그만하기",
        "home": "처음으로",
        "switch": "English",
        "progress": "질문 {n} / {total}",
        "week_title": "나의 한 주",
        "week_loading": "한 주 요약을 불러오고 있어요…",
        "waiting_upload": "마지막 답변은 인터넷이 다시 연결되면 돌봄팀에 전달돼요.",
        "error": "잠시 문제가 생겼어요. 다시 눌러 주세요.",
    },
    "en": {
        "title": "Wellbeing check-in",
        "choose": "Who is here? Please touch your name.",
        "hello": "Hello, {name}.",
        "start": "Start the check-in",
        "resume": "Continue",
        "start_daily2": "Today's mood (2 questions)",
        "resume_daily2": "Continue today's mood check",
        "yes": "Yes",
        "no": "No",
        "not_sure": "Not sure",
        "skip": "Skip",
        "repeat": "Say it again",
        "rephrase": "Simpler words",
        "stop": "Stop for now",
        "home": "Back to start",
        "switch": "한국어",
        "progress": "Question {n} of {total}",
        "week_title": "My week",
        "week_loading": "Loading your week…",
        "waiting_upload": "Your last answers will reach your care team when the internet is back.",
        "error": "Something went wrong for a moment. Please touch again.",
    },
}

_WEEK: Final[Mapping[str, Mapping[str, str]]] = {
    "ko": {
        "wear": "지난 7일 동안 기기를 {hours}시간 착용하셨어요. 하루에 약 {daily}시간이에요.",
        "wear_none": "지난 7일 동안 기기 착용 기록이 아직 없어요.",
        "tir": "혈당이 목표 범위 안에 있었던 시간은 {pct}%예요.",
        "tir_none": "지난 7일 동안의 혈당 기록이 아직 없어요.",
        "seen": "{date}에 하신 마음 건강 체크를 돌봄팀이 확인했어요.",
        "unseen": "{date}에 하신 마음 건강 체크는 돌봄팀에 전달되었고, 곧 확인할 거예요.",
        "never": "아직 마음 건강 체크를 하신 적이 없어요.",
        "unavailable": "지금은 한 주 요약을 불러올 수 없어요. "
        "인터넷이 연결되면 다시 보여 드릴게요.",
        "date": "{month}월 {day}일",
    },
    "en": {
        "wear": "In the last 7 days you wore your devices for {hours} hours, "
        "about {daily} hours a day.",
        "wear_none": "There is no record of wearing your devices in the last 7 days yet.",
        "tir": "Your glucose was in its target range {pct}% of the time.",
        "tir_none": "There are no glucose readings from the last 7 days yet.",
        "seen": "Your care team has seen your check-in of {date}.",
        "unseen": "Your check-in of {date} has reached your care team; they will look at it soon.",
        "never": "You have not done a check-in yet.",
        "unavailable": "Your week cannot be shown right now. It will be back when the internet is.",
        "date": "{day} {month_name}",
    },
}

_MONTHS_EN: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def labels(lang: str) -> Mapping[str, str]:
    """The page's labels in ``lang`` (Korean for an unknown language)."""
    return LABELS.get(lang, LABELS[DEFAULT_LANG])


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _date(iso: str, lang: str, zone: ZoneInfo) -> str:
    day = dt.datetime.fromisoformat(iso).astimezone(zone)
    words = _WEEK[lang]
    return words["date"].format(month=day.month, day=day.day, month_name=_MONTHS_EN[day.month - 1])


def week_summary(week: Mapping[str, Any] | None, lang: str, zone: ZoneInfo) -> list[str]:
    """Plain sentences about the participant's week, from the API's week document.

    Parameters
    ----------
    week : mapping or None
        ``{"wear_time_hours_7d", "time_in_range_pct_7d", "last_checkin": {"completed_at",
        "seen_by_care_team"} | null}``; None when the API could not be reached.
    lang : {"ko", "en"}
    zone : zoneinfo.ZoneInfo
        The participant's time zone (dates are theirs).

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> lines = week_summary({"wear_time_hours_7d": 140.2, "time_in_range_pct_7d": 71.6,
    ...                       "last_checkin": None}, "ko", ZoneInfo("Asia/Seoul"))
    >>> lines[1]
    '혈당이 목표 범위 안에 있었던 시간은 72%예요.'

    """
    words = _WEEK.get(lang, _WEEK[DEFAULT_LANG])
    lang = lang if lang in _WEEK else DEFAULT_LANG
    if week is None:
        return [words["unavailable"]]
    lines = []
    hours = _number(week.get("wear_time_hours_7d"))
    if hours is None or hours <= 0:
        lines.append(words["wear_none"])
    else:
        lines.append(words["wear"].format(hours=round(hours), daily=round(hours / 7)))
    pct = _number(week.get("time_in_range_pct_7d"))
    lines.append(words["tir_none"] if pct is None else words["tir"].format(pct=round(pct)))
    last = week.get("last_checkin")
    if not isinstance(last, Mapping) or not isinstance(last.get("completed_at"), str):
        lines.append(words["never"])
    else:
        try:
            date = _date(last["completed_at"], lang, zone)
        except ValueError:
            date = last["completed_at"][:10]
        key = "seen" if last.get("seen_by_care_team") is True else "unseen"
        lines.append(words[key].format(date=date))
    return lines
