"""The wellbeing rules over a participant's check-ins (pure)."""

from __future__ import annotations

from analytics.rules import (
    CheckinRecord,
    FindingKind,
    ParticipantWindow,
    Severity,
    checkin_missed_findings,
    checkin_risk_findings,
    evaluate_participant,
    mood_screen_findings,
)

DAY = 86_400.0
T0 = 1_767_225_600.0


def weekly(*scores: int | None, cutoff: int = 8) -> list[CheckinRecord]:
    return [
        CheckinRecord(T0 + 7 * DAY * i, "gds15", s, None if s is None else s >= cutoff)
        for i, s in enumerate(scores)
    ]


def test_below_the_cutoff_and_steady_raises_nothing() -> None:
    assert mood_screen_findings(weekly(3, 4, 5, 6), T0 + 30 * DAY) == []


def test_a_positive_screen_raises_mood_screen_medium_wellbeing() -> None:
    (f,) = mood_screen_findings(weekly(3, 8), T0 + 8 * DAY)
    assert (f.rule_id, f.severity, f.kind, f.ongoing) == (
        "mood_screen",
        Severity.MEDIUM,
        FindingKind.WELLBEING,
        True,
    )
    assert f.onset_s == T0 + 7 * DAY
    assert f.worst_value == 8.0
    assert f.context["reason"] == "cutoff"
    assert "not a diagnosis" in f.summary


def test_a_run_of_positive_screens_is_one_finding_from_its_first() -> None:
    (f,) = mood_screen_findings(weekly(2, 9, 11, 10), T0 + 22 * DAY)
    assert f.onset_s == T0 + 7 * DAY
    assert f.worst_value == 11.0
    assert f.evidence["checkins"] == 3.0


def test_a_rise_of_three_below_the_cutoff_raises_it_too() -> None:
    (f,) = mood_screen_findings(weekly(1, 4), T0 + 8 * DAY)
    assert f.context["reason"] == "rise"
    assert mood_screen_findings(weekly(1, 3), T0 + 8 * DAY) == []


def test_a_rise_across_a_long_gap_is_not_consecutive() -> None:
    records = [
        CheckinRecord(T0, "gds15", 1, False),
        CheckinRecord(T0 + 15 * DAY, "gds15", 5, False),
    ]
    assert mood_screen_findings(records, T0 + 16 * DAY) == []


def test_a_negative_screen_after_positives_ends_it() -> None:
    assert mood_screen_findings(weekly(9, 10, 4), T0 + 15 * DAY) == []


def test_incomplete_but_positive_counts_and_daily_checks_are_ignored() -> None:
    records = [CheckinRecord(T0, "gds15", None, True), CheckinRecord(T0 + DAY, "daily2", 2, None)]
    (f,) = mood_screen_findings(records, T0 + 2 * DAY)
    assert f.worst_value is None


def test_risk_answer_in_the_newest_checkin_is_high() -> None:
    records = [CheckinRecord(T0, "gds15", 3, False), CheckinRecord(T0 + DAY, "x", 0, None, True)]
    (f,) = checkin_risk_findings(records, T0 + DAY)
    assert (f.rule_id, f.severity, f.kind) == ("checkin_risk", Severity.HIGH, FindingKind.WELLBEING)
    later = [*records, CheckinRecord(T0 + 2 * DAY, "gds15", 2, False)]
    assert checkin_risk_findings(later, T0 + 2 * DAY) == []


def test_three_missed_weekly_checkins_are_low_technical() -> None:
    records = weekly(3)
    assert checkin_missed_findings(records, T0 + 27.9 * DAY) == []
    (f,) = checkin_missed_findings(records, T0 + 28 * DAY)
    assert (f.rule_id, f.severity, f.kind) == (
        "checkin_missed",
        Severity.LOW,
        FindingKind.TECHNICAL,
    )
    assert f.onset_s == T0 + 28 * DAY
    assert f.evidence["missed"] == 3.0
    assert checkin_missed_findings([], T0 + 100 * DAY) == []  # never started: not missed


def test_evaluate_participant_runs_the_wellbeing_rules() -> None:
    window = ParticipantWindow(start_s=T0, checkins=tuple(weekly(9)))
    assert [f.rule_id for f in evaluate_participant(window, None, T0 + DAY)] == ["mood_screen"]
