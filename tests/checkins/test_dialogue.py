"""The check-in dialogue as a pure state machine: every path."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest

from checkins import load_instrument
from checkins.dialogue import DialogueError, DialogueState, Turn, start, step
from checkins.instruments import Instrument, parse_instrument

GDS = load_instrument("gds15")
T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def _at(i: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=10 * i)


def _risk_instrument() -> Instrument:
    """A test instrument: a copy of GDS-15 whose item 3 is flagged as a risk item."""
    doc = json.loads((resources.files("checkins") / "instruments" / "gds15.json").read_text())
    doc["id"] = "risk_test"
    doc["items"][2]["risk"] = "yes"
    return parse_instrument(doc)


def _answer_all(instrument: Instrument, turn: Turn, event: str = "no") -> Turn:
    i = 1
    while not turn.state.finished:
        turn = step(instrument, turn.state, event, _at(i))
        i += 1
    return turn


def test_greets_by_chosen_name_and_asks_the_first_item() -> None:
    turn = start(GDS, "영자", "ko", T0)
    kinds = [s.kind for s in turn.say]
    assert kinds == ["greeting", "intro", "item"]
    assert "영자님" in turn.say[0].text
    assert turn.say[2].item == 1
    assert turn.say[2].text == GDS.items[0].text["ko"]
    assert "15" in turn.say[1].text


def test_english_and_bad_language_or_name() -> None:
    assert "Young-ja" in start(GDS, "Young-ja", "en", T0).say[0].text
    with pytest.raises(DialogueError, match="language"):
        start(GDS, "x", "fr", T0)
    with pytest.raises(DialogueError, match="name"):
        start(GDS, "  ", "ko", T0)
    with pytest.raises(DialogueError, match="offset"):
        start(GDS, "x", "ko", dt.datetime(2026, 12, 7))


def test_one_item_at_a_time_with_a_timestamp_each_then_thanks() -> None:
    turn = start(GDS, "영자", "ko", T0)
    for n in range(1, 16):
        assert turn.say[-1].item == n
        turn = step(GDS, turn.state, "yes" if n % 2 else "no", _at(n))
    assert turn.state.phase == "done"
    assert [s.kind for s in turn.say] == ["thanks"]
    assert [r.item for r in turn.state.answers] == list(range(1, 16))
    assert [r.answered_at for r in turn.state.answers] == [_at(n).isoformat() for n in range(1, 16)]
    assert turn.state.completed_at == _at(15).isoformat()
    assert turn.risk is False


def test_thanks_never_gives_a_score_or_diagnosis() -> None:
    low = _answer_all(GDS, start(GDS, "영자", "ko", T0), "no")
    high = _answer_all(GDS, start(GDS, "영자", "ko", T0), "yes")
    # The closing words are the same whatever was answered: no score, no verdict.
    assert low.say == high.say
    assert not any(ch.isdigit() for ch in high.say[0].text)
    en = _answer_all(GDS, start(GDS, "Young-ja", "en", T0), "yes").say[0].text
    assert not any(w in en.lower() for w in ("depress", "score", "diagnos", "positive"))


def test_repeat_and_rephrase_record_nothing() -> None:
    turn = start(GDS, "영자", "ko", T0)
    again = step(GDS, turn.state, "repeat", _at(1))
    assert again.state == turn.state
    assert again.say[0].text == GDS.items[0].text["ko"]
    plain = step(GDS, turn.state, "rephrase", _at(1))
    assert plain.state == turn.state
    assert (plain.say[0].kind, plain.say[0].text) == ("rephrase", GDS.items[0].rephrase["ko"])


def test_not_sure_asks_once_more_then_skips() -> None:
    turn = start(GDS, "영자", "ko", T0)
    once = step(GDS, turn.state, "not_sure", _at(1))
    assert [s.kind for s in once.say] == ["unsure_again", "item"]
    assert once.say[1].item == 1
    assert once.state.answers == ()
    answered = step(GDS, once.state, "yes", _at(2))
    assert answered.state.answers[0].answer == "yes"
    assert answered.state.unsure == 0  # the next item gets its own second chance
    twice = step(GDS, step(GDS, turn.state, "not_sure", _at(1)).state, "not_sure", _at(2))
    assert twice.state.answers[0].answer == "skip"
    assert twice.say[0].item == 2


def test_skip_records_a_skip() -> None:
    turn = step(GDS, start(GDS, "영자", "ko", T0).state, "skip", _at(1))
    assert turn.state.answers[0].answer == "skip"
    assert turn.say[0].item == 2


def test_stop_and_resume_later_through_json() -> None:
    turn = start(GDS, "영자", "ko", T0)
    for n in range(1, 5):
        turn = step(GDS, turn.state, "no", _at(n))
    stopped = step(GDS, turn.state, "stop", _at(5))
    assert stopped.state.phase == "stopped"
    assert stopped.say[0].kind == "stopped"
    saved = json.dumps(stopped.state.to_json(), ensure_ascii=False)
    restored = DialogueState.from_json(json.loads(saved))
    assert restored == stopped.state
    with pytest.raises(DialogueError, match="paused"):
        step(GDS, restored, "yes", _at(6))
    resumed = step(GDS, restored, "resume", _at(100))
    assert [s.kind for s in resumed.say] == ["resume", "item"]
    assert resumed.say[1].item == 5
    done = _answer_all(GDS, resumed)
    assert [r.item for r in done.state.answers] == list(range(1, 16))


def test_a_finished_dialogue_takes_no_more_events() -> None:
    done = _answer_all(GDS, start(GDS, "영자", "ko", T0))
    with pytest.raises(DialogueError, match="over"):
        step(GDS, done.state, "yes", _at(99))


def test_unknown_events_and_foreign_states_are_refused() -> None:
    state = start(GDS, "영자", "ko", T0).state
    with pytest.raises(DialogueError, match="event 'maybe'"):
        step(GDS, state, "maybe", _at(1))
    with pytest.raises(DialogueError, match="not risk_test"):
        step(_risk_instrument(), state, "yes", _at(1))
    with pytest.raises(DialogueError, match="not a saved"):
        DialogueState.from_json({"state_version": 1})
    with pytest.raises(DialogueError, match="state_version"):
        DialogueState.from_json({**state.to_json(), "state_version": 99})


def test_a_risk_answer_ends_calmly_and_signals() -> None:
    risky = _risk_instrument()
    turn = start(risky, "영자", "ko", T0)
    turn = step(risky, turn.state, "no", _at(1))
    turn = step(risky, turn.state, "no", _at(2))
    ended = step(risky, turn.state, "yes", _at(3))  # item 3: the risk answer
    assert ended.risk is True
    assert ended.state.phase == "risk"
    assert [s.kind for s in ended.say] == ["risk"]
    assert "109" in ended.say[0].text  # the crisis line, not a diagnosis
    assert ended.state.completed_at == _at(3).isoformat()
    assert [r.item for r in ended.state.answers] == [1, 2, 3]
    with pytest.raises(DialogueError, match="over"):
        step(risky, ended.state, "no", _at(4))


def test_the_other_answer_to_a_risk_item_goes_on() -> None:
    risky = _risk_instrument()
    turn = start(risky, "영자", "ko", T0)
    for n in range(1, 4):
        turn = step(risky, turn.state, "no", _at(n))
    assert (turn.risk, turn.state.phase, turn.say[0].item) == (False, "asking", 4)
