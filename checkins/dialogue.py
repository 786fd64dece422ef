"""The scripted check-in dialogue: a pure state machine, one item at a time.

:func:`start` greets the participant by the name they chose and asks the first item;
:func:`step` takes one event (an answer, or a request: repeat, rephrase, stop, resume)
and returns the new state and what to say. The state is a frozen value that round-trips
through JSON (:meth:`DialogueState.to_json` / :meth:`DialogueState.from_json`), so a
check-in can stop and resume later, even after the device restarts.

Rules (docs/checkins.md "The dialogue"):

* "yes" and "no" are recorded with the time of the answer; "skip" records a skip.
* "not sure" asks the same item once more with a reassuring prompt; a second "not sure"
  records a skip and moves on.
* "repeat" says the item again; "rephrase" says its plainer wording. Neither records
  anything.
* "stop" pauses (nothing is lost); "resume" greets again and asks the current item.
* An answer equal to an item's ``risk`` answer ends the check-in at once with the calm
  message (``risk`` message of the instrument) and sets :attr:`Turn.risk`: the caller
  uploads at once and the server raises a HIGH alert.
* The closing message thanks the participant and never reports a score or a diagnosis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, get_args

from checkins.instruments import Instrument
from checkins.scoring import AnswerValue

Phase = Literal["asking", "stopped", "done", "risk"]
Event = Literal["yes", "no", "not_sure", "skip", "repeat", "rephrase", "stop", "resume"]
EVENTS: Final[tuple[str, ...]] = get_args(Event)
SayKind = Literal[
    "greeting", "intro", "item", "rephrase", "unsure_again", "stopped", "resume", "thanks", "risk"
]
STATE_VERSION: Final = 1


class DialogueError(ValueError):
    """An event that the dialogue cannot take in its current phase (names both)."""


@dataclass(frozen=True, slots=True)
class Say:
    """One thing to say (and show): its kind, its text, and the item it asks, if any."""

    kind: SayKind
    text: str
    item: int | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    """An item's answer and when it was given (ISO 8601 with offset)."""

    item: int
    answer: AnswerValue
    answered_at: str


@dataclass(frozen=True, slots=True)
class DialogueState:
    """Where a check-in stands; serialisable with :meth:`to_json`."""

    instrument: str
    version: str
    lang: str
    name: str
    phase: Phase
    position: int
    unsure: int
    answers: tuple[Recorded, ...]
    started_at: str
    completed_at: str | None = None

    @property
    def finished(self) -> bool:
        return self.phase in ("done", "risk")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (:meth:`from_json` reads it back)."""
        return {
            "state_version": STATE_VERSION,
            "instrument": self.instrument,
            "version": self.version,
            "lang": self.lang,
            "name": self.name,
            "phase": self.phase,
            "position": self.position,
            "unsure": self.unsure,
            "answers": [
                {"item": r.item, "answer": r.answer, "answered_at": r.answered_at}
                for r in self.answers
            ],
            "started_at": self.started_at,
            "completed_at": self.completed_at,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> DialogueState:
        """Read a state written by :meth:`to_json` (DialogueError if it is not one)."""
        try:
            if doc["state_version"] != STATE_VERSION:
                raise DialogueError(f"state_version {doc['state_version']!r} is not supported")
            if doc["phase"] not in get_args(Phase):
                raise DialogueError(f"phase {doc['phase']!r} is not a dialogue phase")
            return cls(
                instrument=str(doc["instrument"]),
                version=str(doc["version"]),
                lang=str(doc["lang"]),
                name=str(doc["name"]),
                phase=doc["phase"],
                position=int(doc["position"]),
                unsure=int(doc["unsure"]),
                answers=tuple(
                    Recorded(int(a["item"]), a["answer"], str(a["answered_at"]))
                    for a in doc["answers"]
                ),
                started_at=str(doc["started_at"]),
                completed_at=None if doc["completed_at"] is None else str(doc["completed_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, DialogueError):
                raise
            raise DialogueError(f"not a saved check-in state: {exc!r}") from None


@dataclass(frozen=True, slots=True)
class Turn:
    """The result of one step: the new state, what to say, and the risk signal."""

    state: DialogueState
    say: tuple[Say, ...]
    risk: bool = False


def _iso(now: dt.datetime) -> str:
    if now.tzinfo is None:
        raise DialogueError("times must carry a UTC offset (aware datetime)")
    return now.isoformat()


def _msg(instrument: Instrument, state: DialogueState, key: str) -> str:
    return instrument.messages[state.lang][key].format(name=state.name, count=len(instrument.items))


def _ask(instrument: Instrument, state: DialogueState, kind: SayKind = "item") -> Say:
    item = instrument.items[state.position]
    text = item.rephrase[state.lang] if kind == "rephrase" else item.text[state.lang]
    return Say(kind, text, item.number)


def start(instrument: Instrument, name: str, lang: str, now: dt.datetime) -> Turn:
    """Begin a check-in: greeting, what to expect, and the first item."""
    if lang not in instrument.messages:
        raise DialogueError(f"language {lang!r}: expected one of {sorted(instrument.messages)}")
    if not name.strip():
        raise DialogueError("name: the participant's chosen name is needed for the greeting")
    state = DialogueState(
        instrument=instrument.id,
        version=instrument.version,
        lang=lang,
        name=name.strip(),
        phase="asking",
        position=0,
        unsure=0,
        answers=(),
        started_at=_iso(now),
    )
    return Turn(
        state,
        (
            Say("greeting", _msg(instrument, state, "greeting")),
            Say("intro", _msg(instrument, state, "intro")),
            _ask(instrument, state),
        ),
    )


def _check(instrument: Instrument, state: DialogueState) -> None:
    if (state.instrument, state.version) != (instrument.id, instrument.version):
        raise DialogueError(
            f"state is for {state.instrument} {state.version}, not "
            f"{instrument.id} {instrument.version}"
        )


def _record(
    instrument: Instrument, state: DialogueState, answer: AnswerValue, now: dt.datetime
) -> Turn:
    item = instrument.items[state.position]
    at = _iso(now)
    answers = (*state.answers, Recorded(item.number, answer, at))
    if item.risk_on is not None and answer == item.risk_on:
        ended = replace(state, phase="risk", unsure=0, answers=answers, completed_at=at)
        return Turn(ended, (Say("risk", _msg(instrument, ended, "risk")),), risk=True)
    position = state.position + 1
    if position >= len(instrument.items):
        done = replace(
            state, phase="done", position=position, unsure=0, answers=answers, completed_at=at
        )
        return Turn(done, (Say("thanks", _msg(instrument, done, "thanks")),))
    nxt = replace(state, position=position, unsure=0, answers=answers)
    return Turn(nxt, (_ask(instrument, nxt),))


def step(instrument: Instrument, state: DialogueState, event: str, now: dt.datetime) -> Turn:
    """Apply one event (see the module docstring for the rules)."""
    _check(instrument, state)
    if event not in EVENTS:
        raise DialogueError(f"event {event!r}: expected one of {', '.join(EVENTS)}")
    if state.finished:
        raise DialogueError(f"the check-in is over ({state.phase}); start a new one")
    if state.phase == "stopped":
        if event != "resume":
            raise DialogueError(f"event {event!r}: the check-in is paused; resume it first")
        resumed = replace(state, phase="asking")
        return Turn(
            resumed, (Say("resume", _msg(instrument, resumed, "resume")), _ask(instrument, resumed))
        )
    if event == "resume":
        return Turn(state, (_ask(instrument, state),))
    if event == "stop":
        stopped = replace(state, phase="stopped")
        return Turn(stopped, (Say("stopped", _msg(instrument, stopped, "stopped")),))
    if event == "repeat":
        return Turn(state, (_ask(instrument, state),))
    if event == "rephrase":
        return Turn(state, (_ask(instrument, state, "rephrase"),))
    if event == "not_sure":
        if state.unsure == 0:
            again = replace(state, unsure=1)
            return Turn(
                again,
                (
                    Say("unsure_again", _msg(instrument, again, "unsure_again")),
                    _ask(instrument, again),
                ),
            )
        return _record(instrument, state, "skip", now)
    answer: AnswerValue = "yes" if event == "yes" else "no" if event == "no" else "skip"
    return _record(instrument, state, answer, now)
