"""The demo's virtual check-ins: answered through the dialogue, scored as the scenario says."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid

from checkins import Answer, load_instrument, score_answers
from checkins.dialogue import DialogueState
from simulators.checkins import answer_events, weekly_scores
from simulators.physiology import cohort, get_scenario
from wearmon.demo.checkins import WEEKS, answered_checkins, body_of
from wearmon.demo.enrol import EnrolledHome

GDS = load_instrument("gds15")
RUN = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


def _scores(states: list[DialogueState]) -> list[int | None]:
    return [score_answers(GDS, [Answer(r.item, r.answer) for r in s.answers]).score for s in states]


def test_low_mood_crosses_the_cutoff_and_healthy_stays_below() -> None:
    people = {p.scenario.name: p for p in cohort(20, 2026)}
    low = _scores(answered_checkins(people["low_mood"], RUN))
    healthy = _scores(answered_checkins(people["healthy"], RUN))
    assert len(low) == WEEKS
    assert low[0] is not None
    assert low[0] < 8
    assert low[-1] is not None
    assert low[-1] >= 8
    assert all(s is not None and s < 8 for s in healthy)


def test_answers_reach_the_target_score_with_reversed_items() -> None:
    mood = get_scenario("low_mood").mood
    for seed in range(20):
        for target in weekly_scores(mood, seed, WEEKS):
            events = answer_events(GDS, target, mood, seed, 0)
            answers = [e for e in events if e in ("yes", "no", "skip")]
            assert len(answers) == 15
            given = [Answer(i + 1, a) for i, a in enumerate(answers)]  # type: ignore[arg-type]
            assert score_answers(GDS, given).points == target


def test_checkins_are_weekly_and_the_newest_just_before_the_run() -> None:
    spec = cohort(7, 2026)[6]
    assert spec.scenario.name == "low_mood"
    states = answered_checkins(spec, RUN)
    done = [dt.datetime.fromisoformat(s.completed_at or "") for s in states]
    assert done[-1] == RUN - dt.timedelta(minutes=10)
    assert [b - a for a, b in itertools.pairwise(done)] == [dt.timedelta(days=7)] * 3
    assert all(s.phase == "done" and s.name == "P007" for s in states)
    home = EnrolledHome(spec, uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "t")
    body = json.loads(body_of(home, states[-1]))
    assert set(body) == {
        "gateway_id",
        "participant_id",
        "instrument",
        "instrument_version",
        "completed_at",
        "answers",
    }
    assert [a["item"] for a in body["answers"]] == list(range(1, 16))
