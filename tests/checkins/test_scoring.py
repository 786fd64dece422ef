"""GDS-15 scoring against the published rules (Sheikh & Yesavage 1986), reversed items
included, and the stated rule for skipped items."""

from __future__ import annotations

import json

import pytest

from checkins import Answer, InstrumentError, load_instrument, score_answers
from checkins.instruments import parse_instrument
from checkins.scoring import ScoringError

GDS = load_instrument("gds15")
# The published scoring key: items 1, 5, 7, 11, 13 score a point for "no"; the others
# for "yes" (Sheikh & Yesavage 1986).
REVERSED = {1, 5, 7, 11, 13}


def _all(answer_for: dict[int, str]) -> list[Answer]:
    return [Answer(n, answer_for.get(n, "skip")) for n in range(1, 16)]  # type: ignore[arg-type]


def test_the_file_holds_the_published_order_and_key() -> None:
    assert GDS.numbers == tuple(range(1, 16))
    assert {it.number for it in GDS.items if it.scores_on == "no"} == REVERSED
    assert GDS.cutoff == 8
    assert GDS.max_skipped == 3
    assert GDS.items[0].text["en"] == "Are you basically satisfied with your life?"
    assert all(it.text["ko"] and it.rephrase["ko"] for it in GDS.items)
    assert all(it.risk_on is None for it in GDS.items)  # GDS-15 asks nothing about self-harm


def test_least_depressive_answers_score_zero_and_most_score_fifteen() -> None:
    best = {n: ("yes" if n in REVERSED else "no") for n in range(1, 16)}
    worst = {n: ("no" if n in REVERSED else "yes") for n in range(1, 16)}
    assert score_answers(GDS, _all(best)).score == 0
    s = score_answers(GDS, _all(worst))
    assert (s.score, s.positive, s.status) == (15, True, "complete")


def test_all_yes_scores_ten_and_all_no_five() -> None:
    # "yes" to everything: a point on the 10 forward items only; "no": the 5 reversed.
    assert score_answers(GDS, _all(dict.fromkeys(range(1, 16), "yes"))).score == 10
    assert score_answers(GDS, _all(dict.fromkeys(range(1, 16), "no"))).score == 5


@pytest.mark.parametrize(("points", "positive"), [(7, False), (8, True)])
def test_cutoff_eight_is_positive(points: int, positive: bool) -> None:
    answers = {n: ("yes" if n in REVERSED else "no") for n in range(1, 16)}
    forward = [n for n in range(1, 16) if n not in REVERSED]
    for n in forward[:points]:
        answers[n] = "yes"
    s = score_answers(GDS, _all(answers))
    assert (s.score, s.positive) == (points, positive)


def test_up_to_three_skips_are_prorated() -> None:
    answers = {n: ("yes" if n in REVERSED else "no") for n in range(1, 16)}
    for n in (2, 3, 4, 6, 8, 9):  # six points
        answers[n] = "yes"
    for n in (13, 14, 15):
        answers[n] = "skip"
    s = score_answers(GDS, _all(answers))
    # 6 points over 12 answered items -> 6 * 15 / 12 = 7.5 -> 8 (halves up): positive.
    assert (s.points, s.answered, s.skipped, s.score, s.prorated) == (6, 12, 3, 8, True)
    assert s.positive is True
    assert s.status == "prorated"


def test_four_skips_leave_the_score_incomplete() -> None:
    answers = {n: ("yes" if n in REVERSED else "no") for n in range(1, 16)}
    for n in (12, 13, 14, 15):
        answers[n] = "skip"
    s = score_answers(GDS, _all(answers))
    assert (s.score, s.positive, s.status) == (None, None, "incomplete")


def test_incomplete_but_already_at_the_cutoff_is_positive() -> None:
    answers = dict.fromkeys(range(1, 16), "skip")
    for n in (2, 3, 4, 6, 8, 9, 10, 12):  # eight forward items answered yes
        answers[n] = "yes"
    s = score_answers(GDS, _all(answers))
    assert (s.score, s.points, s.positive) == (None, 8, True)


def test_missing_items_count_as_skipped() -> None:
    s = score_answers(GDS, [Answer(n, "no") for n in range(1, 13)])
    assert (s.skipped, s.prorated) == (3, True)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([Answer(16, "yes")], "item 16"),
        ([Answer(1, "yes"), Answer(1, "no")], "answered twice"),
        ([Answer(1, "maybe")], "not yes, no or skip"),  # type: ignore[arg-type]
    ],
)
def test_answers_that_do_not_fit_are_refused(answers: list[Answer], message: str) -> None:
    with pytest.raises(ScoringError, match=message):
        score_answers(GDS, answers)


def test_daily_check_has_no_cutoff() -> None:
    daily = load_instrument("daily2")
    s = score_answers(daily, [Answer(1, "yes"), Answer(2, "yes")])
    assert (s.score, s.positive, s.cutoff) == (2, None, None)


def test_daily_check_speaks_of_today_as_its_items_do() -> None:
    # The daily items ask about today; the introduction and the "not sure" prompt must
    # not send the participant back over the past week (the weekly GDS-15 wording).
    daily = load_instrument("daily2")
    for key in ("intro", "unsure_again"):
        assert "today" in daily.messages["en"][key]
        assert "week" not in daily.messages["en"][key]
        assert "오늘" in daily.messages["ko"][key]
        assert "일주일" not in daily.messages["ko"][key]


def test_unknown_instrument_names_the_known_ones() -> None:
    with pytest.raises(InstrumentError, match="gds15"):
        load_instrument("phq9")


def test_a_malformed_file_names_the_field() -> None:
    from importlib import resources

    doc = json.loads((resources.files("checkins") / "instruments" / "gds15.json").read_text())
    doc["items"][4]["scores_on"] = "maybe"
    with pytest.raises(InstrumentError, match=r"items\[4\]\.scores_on"):
        parse_instrument(doc)
    doc = json.loads((resources.files("checkins") / "instruments" / "gds15.json").read_text())
    doc["items"][2]["item"] = 7
    with pytest.raises(InstrumentError, match="published order"):
        parse_instrument(doc)
