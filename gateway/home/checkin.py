"""The home page's check-ins: the dialogue (``checkins.dialogue``) kept in the outbox.

A thin adapter. Every step loads the participant's saved dialogue state from the outbox,
applies one event with the pure state machine, and saves the new state before answering
the page; a finished check-in becomes, in the same transaction, a pending upload with its
request body and Idempotency-Key (``gateway.checkin_queue``). So a page closed, a power
cut or a restart between two answers loses nothing: the next visit resumes at the
question that was being asked.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from checkins.dialogue import EVENTS, DialogueState, Say, Turn, start, step
from checkins.instruments import Instrument
from gateway.checkin_queue import CheckinQueue
from gateway.home.speech import Speech
from gateway.outbox import Clock, utc_now


class UnknownParticipantError(LookupError):
    """The participant is not one of this gateway's (the page offers only those)."""


def upload_body(gateway_id: str, participant_id: str, state: DialogueState) -> bytes:
    """The ``POST /api/v1/ingest/checkin`` body of a finished check-in (compact JSON)."""
    body = {
        "gateway_id": gateway_id,
        "participant_id": participant_id,
        "instrument": state.instrument,
        "instrument_version": state.version,
        "completed_at": state.completed_at,
        "answers": [
            {"item": a.item, "answer": a.answer, "answered_at": a.answered_at}
            for a in state.answers
        ],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class HomeCheckins:
    """Check-ins of the participants paired with this gateway.

    Parameters
    ----------
    queue : CheckinQueue
    instrument : Instrument
        The questionnaire offered (the weekly GDS-15).
    gateway_id : str
    names : mapping
        Participant id -> the name they chose to be greeted by.
    speech : Speech
        Renders each prompt to a WAV file (or stays silent).
    on_complete : callable
        Called after a check-in was stored for upload (wakes the uploader).
    clock : callable, optional
        Current aware datetime (answer times).
    """

    def __init__(
        self,
        queue: CheckinQueue,
        instrument: Instrument,
        *,
        gateway_id: str,
        names: Mapping[str, str],
        speech: Speech,
        on_complete: Callable[[], None] = lambda: None,
        clock: Clock = utc_now,
    ) -> None:
        self._queue = queue
        self.instrument = instrument
        self._gateway_id = gateway_id
        self.names = dict(names)
        self._speech = speech
        self._on_complete = on_complete
        self._clock = clock
        # One step at a time: a double tap must not answer two questions at once.
        self._lock = threading.Lock()

    def _name(self, participant_id: str) -> str:
        try:
            return self.names[participant_id]
        except KeyError:
            raise UnknownParticipantError(
                f"participant {participant_id!r} is not paired with this gateway"
            ) from None

    def _saved(self, participant_id: str, lang: str) -> DialogueState | None:
        raw = self._queue.open_state(participant_id, self.instrument.id)
        if raw is None:
            return None
        state = DialogueState.from_json(raw)
        if (state.instrument, state.version) != (self.instrument.id, self.instrument.version):
            # Saved by another version of the questionnaire: its answers cannot continue
            # in this one; the next start begins afresh.
            return None
        if lang != state.lang and lang in self.instrument.messages:
            state = dataclasses.replace(state, lang=lang)  # answers do not depend on it
        return state

    def status(self, participant_id: str) -> dict[str, Any]:
        """Whether a check-in is in progress (to offer "continue") and uploads waiting."""
        self._name(participant_id)
        raw = self._queue.open_state(participant_id, self.instrument.id)
        return {
            "in_progress": raw is not None,
            "waiting_upload": self._queue.pending_count(participant_id),
        }

    def begin(self, participant_id: str, lang: str) -> dict[str, Any]:
        """Start a check-in, or resume the one in progress (greeting again by name)."""
        name = self._name(participant_id)
        with self._lock:
            now = self._clock()
            state = self._saved(participant_id, lang)
            if state is None:
                turn = start(self.instrument, name, lang, now)
            else:
                if state.phase == "asking":
                    # Interrupted (page closed, restart) rather than stopped: pause it so
                    # that resuming greets the participant again before the question.
                    state = step(self.instrument, state, "stop", now).state
                turn = step(self.instrument, state, "resume", now)
            return self._keep(participant_id, turn)

    def answer(self, participant_id: str, event: str, lang: str) -> dict[str, Any]:
        """Apply one event from the page (``checkins.dialogue.EVENTS``)."""
        self._name(participant_id)
        if event not in EVENTS:
            raise ValueError(f"event {event!r}: expected one of {', '.join(EVENTS)}")
        with self._lock:
            state = self._saved(participant_id, lang)
            if state is None:
                raise LookupError(
                    f"participant {participant_id!r} has no check-in in progress; start one"
                )
            turn = step(self.instrument, state, event, self._clock())
            return self._keep(participant_id, turn)

    def _keep(self, participant_id: str, turn: Turn) -> dict[str, Any]:
        state = turn.state
        if state.finished:
            body = upload_body(self._gateway_id, participant_id, state)
            self._queue.complete(participant_id, self.instrument.id, state.to_json(), body)
            self._on_complete()
        else:
            self._queue.save_progress(participant_id, self.instrument.id, state.to_json())
        return self._view(turn)

    def _view(self, turn: Turn) -> dict[str, Any]:
        state = turn.state
        return {
            "phase": state.phase,
            "lang": state.lang,
            "item": min(state.position + 1, len(self.instrument.items)),
            "total": len(self.instrument.items),
            "say": [self._say(s, state.lang) for s in turn.say],
        }

    def _say(self, say: Say, lang: str) -> dict[str, Any]:
        audio = self._speech.render(say.text, lang)
        return {
            "kind": say.kind,
            "text": say.text,
            "item": say.item,
            "audio": None if audio is None else f"/speech/{audio}",
        }

    def prompts(self, lang: str) -> list[str]:
        """Every fixed prompt text of the questionnaire in ``lang`` (to render ahead)."""
        texts = [item.text[lang] for item in self.instrument.items]
        texts += [item.rephrase[lang] for item in self.instrument.items]
        count = len(self.instrument.items)
        for name in self.names.values():
            for message in self.instrument.messages[lang].values():
                texts.append(message.format(name=name, count=count))
        return texts
