"""Wellbeing rules over a participant's check-ins: ``mood_screen``, ``checkin_risk``,
``checkin_missed`` (docs/checkins.md "Alerts").

The check-in arrives scored (instrument file, server side); these rules only compare
check-ins over time. Each finding is ongoing (``end_s`` None) while the check-in that
raised it is the newest one, so that one alert follows a run of positive weekly screens
and re-arms once a later check-in no longer meets the condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from analytics.clinical_constants import (
    CHECKIN_INTERVAL_DAYS,
    CHECKIN_MISSED_COUNT,
    MOOD_CONSECUTIVE_MAX_DAYS,
    MOOD_RISE_POINTS,
    Severity,
)
from analytics.rules.finding import Finding, FindingKind

_DAY: Final = 86_400.0
#: Version of the wellbeing rules' parameters (the constants above).
WELLBEING_VERSION: Final = "1"
#: The weekly screening instrument the mood rules compare.
WEEKLY_INSTRUMENT: Final = "gds15"


class WellbeingRuleId(StrEnum):
    MOOD_SCREEN = "mood_screen"
    CHECKIN_RISK = "checkin_risk"
    CHECKIN_MISSED = "checkin_missed"


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    """One stored check-in, as the rules need it.

    Attributes
    ----------
    completed_s : float
        When it was completed, seconds (UTC epoch).
    instrument : str
        ``gds15`` (weekly) or ``daily2``.
    score : int or None
        Total score, None when too many items were skipped.
    positive : bool or None
        Screen positive against the instrument's cut-off (None: no cut-off, or unknown).
    risk : bool
        An answer to an item flagged as risk.
    """

    completed_s: float
    instrument: str
    score: int | None
    positive: bool | None
    risk: bool = False


def _flag(prev: CheckinRecord | None, cur: CheckinRecord) -> tuple[bool, bool]:
    """(positive, rose >= MOOD_RISE_POINTS since the previous weekly check-in)."""
    rose = (
        prev is not None
        and prev.score is not None
        and cur.score is not None
        and cur.completed_s - prev.completed_s <= MOOD_CONSECUTIVE_MAX_DAYS * _DAY
        and cur.score - prev.score >= MOOD_RISE_POINTS
    )
    return bool(cur.positive), rose


def mood_screen_findings(checkins: Sequence[CheckinRecord], now_s: float) -> list[Finding]:
    """``mood_screen`` (MEDIUM, wellbeing): the newest GDS-15 screen is at or above the
    cut-off, or rose by >= 3 points since the previous weekly one.

    Returns at most one ongoing finding; its onset is the first check-in of the run of
    consecutive check-ins that met the condition, ``worst_value`` the highest score.
    """
    weekly = sorted(
        (c for c in checkins if c.instrument == WEEKLY_INSTRUMENT),
        key=lambda c: c.completed_s,
    )
    if not weekly:
        return []
    met: list[tuple[CheckinRecord, bool, bool]] = []
    for i in range(len(weekly) - 1, -1, -1):
        positive, rose = _flag(weekly[i - 1] if i > 0 else None, weekly[i])
        if not (positive or rose):
            break
        met.append((weekly[i], positive, rose))
    if not met:
        return []
    newest, positive, rose = met[0]
    onset = met[-1][0].completed_s
    scores = [c.score for c, _, _ in met if c.score is not None]
    why = " and ".join(
        w for w, on in (("at or above the cut-off", positive), ("rose by >= 3", rose)) if on
    )
    evidence: dict[str, float] = {"checkins": float(len(met))}
    if newest.score is not None:
        evidence["score"] = float(newest.score)
    summary = (
        f"Weekly mood screen (GDS-15) {why}"
        + ("" if newest.score is None else f": score {newest.score}")
        + "; a screen, not a diagnosis: clinical review"
    )
    return [
        Finding(
            WellbeingRuleId.MOOD_SCREEN.value,
            WELLBEING_VERSION,
            Severity.MEDIUM,
            FindingKind.WELLBEING,
            onset,
            None,
            float(max(scores)) if scores else None,
            "points",
            evidence,
            {"instrument": WEEKLY_INSTRUMENT, "reason": "cutoff" if positive else "rise"},
            summary,
        )
    ]


def checkin_risk_findings(checkins: Sequence[CheckinRecord], now_s: float) -> list[Finding]:
    """``checkin_risk`` (HIGH, wellbeing): the newest check-in carries a risk answer."""
    if not checkins:
        return []
    newest = max(checkins, key=lambda c: c.completed_s)
    if not newest.risk:
        return []
    return [
        Finding(
            WellbeingRuleId.CHECKIN_RISK.value,
            WELLBEING_VERSION,
            Severity.HIGH,
            FindingKind.WELLBEING,
            newest.completed_s,
            None,
            None,
            "",
            {},
            {"instrument": newest.instrument},
            "A check-in answer suggests a risk of self-harm: contact the participant now",
        )
    ]


def checkin_missed_findings(checkins: Sequence[CheckinRecord], now_s: float) -> list[Finding]:
    """``checkin_missed`` (LOW, technical): three weekly check-ins missed in a row.

    Only for participants who have done at least one weekly check-in (the home has the
    check-in page); onset when the third missed one fell due.
    """
    weekly = [c.completed_s for c in checkins if c.instrument == WEEKLY_INSTRUMENT]
    if not weekly:
        return []
    last = max(weekly)
    interval = CHECKIN_INTERVAL_DAYS * _DAY
    # Due at last + 7 d, + 14 d, + 21 d; the third is missed once its week has passed.
    onset = last + interval * (CHECKIN_MISSED_COUNT + 1)
    if now_s < onset:
        return []
    missed = int((now_s - last) // interval) - 1
    return [
        Finding(
            WellbeingRuleId.CHECKIN_MISSED.value,
            WELLBEING_VERSION,
            Severity.LOW,
            FindingKind.TECHNICAL,
            onset,
            None,
            float(missed),
            "checkins",
            {"missed": float(missed), "days_since_last": (now_s - last) / _DAY},
            {"instrument": WEEKLY_INSTRUMENT, "hop": "participant"},
            f"No weekly check-in for {(now_s - last) / _DAY:.0f} days ({missed} missed)",
        )
    ]


def wellbeing_findings(checkins: Sequence[CheckinRecord], now_s: float) -> list[Finding]:
    """All three wellbeing rules."""
    return [
        *checkin_risk_findings(checkins, now_s),
        *mood_screen_findings(checkins, now_s),
        *checkin_missed_findings(checkins, now_s),
    ]
