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
import datetime as dt
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from checkins.dialogue import EVENTS, DialogueState, Say, Turn, start, step
from checkins.instruments import Instrument
from gateway.checkin_queue import CheckinQueue
from gateway.home.speech import Speech
from gateway.outbox import Clock, utc_now

# A check-in stopped part-way is resumed only within the period its questions ask about
# (the GDS-15: the past week; the daily check: today, taken as 24 h): answers given
# weeks ago do not describe this week, so an older one is set aside and the next start
# begins afresh (its unsent answers are overwritten).
RESUME_WITHIN: Final[Mapping[str, dt.timedelta]] = {
    "weekly": dt.timedelta(days=7),
    "daily": dt.timedelta(hours=24),
}


class UnknownParticipantError(LookupError):
    """The participant is not one of this gateway's (the page offers only those)."""


def stale(state: DialogueState, instrument: Instrument, now: dt.datetime) -> bool:
    """True when a check-in in progress was started longer ago than its questions look back
    (:data:`RESUME_WITHIN`; instruments of another schedule never go stale)."""
    within = RESUME_WITHIN.get(instrument.schedule)
    if within is None:
        return False
    return now - dt.datetime.fromisoformat(state.started_at) > within


def upload_body(gateway_id: str, participant_id: str, state: DialogueState) -> bytes:
    """The ``POST /api/v1/ingest/checkin`` body of a finished check-in (compact JSON)."""
    body = {
        "gateway_id": gateway_id,
        "participant_id": participant_id,
        "instrument": state.instrument,
        "instrument_version": state.version,
        "completed_at": state.completed_at,
        "answers": state.to_json()["answers"],  # the dialogue's own serialisation
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class HomeCheckins:
    """Check-ins of the participants paired with this gateway.

    Parameters
    ----------
    queue : CheckinQueue
    instruments : sequence of Instrument
        The questionnaires offered, first the main one (the weekly GDS-15).
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
        instruments: Sequence[Instrument],
        *,
        gateway_id: str,
        names: Mapping[str, str],
        speech: Speech,
        on_complete: Callable[[], None] = lambda: None,
        clock: Clock = utc_now,
    ) -> None:
        if not instruments:
            raise ValueError("instruments: at least one questionnaire is needed")
        self._queue = queue
        self.instruments = {i.id: i for i in instruments}
        self.default = instruments[0].id
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

    def instrument(self, instrument_id: str | None) -> Instrument:
        """The offered questionnaire ``instrument_id`` (the main one for None)."""
        try:
            return self.instruments[instrument_id or self.default]
        except KeyError:
            raise ValueError(
                f"instrument {instrument_id!r}: expected one of {', '.join(self.instruments)}"
            ) from None

    def _saved(
        self, participant_id: str, instrument: Instrument, lang: str | None = None
    ) -> DialogueState | None:
        """The check-in in progress that may still continue (None: start afresh), in
        ``lang`` when given."""
        raw = self._queue.open_state(participant_id, instrument.id)
        if raw is None:
            return None
        state = DialogueState.from_json(raw)
        if (state.instrument, state.version) != (instrument.id, instrument.version):
            # Saved by another version of the questionnaire: its answers cannot continue
            # in this one; the next start begins afresh.
            return None
        if stale(state, instrument, self._clock()):
            return None
        if lang is not None and lang != state.lang and lang in instrument.messages:
            state = dataclasses.replace(state, lang=lang)  # answers do not depend on it
        return state

    def status(self, participant_id: str) -> dict[str, Any]:
        """Check-ins in progress (to offer "continue") and completed ones waiting to upload."""
        self._name(participant_id)
        return {
            "in_progress": [
                i
                for i, instrument in self.instruments.items()
                if self._saved(participant_id, instrument) is not None
            ],
            "waiting_upload": self._queue.pending_count(participant_id),
        }

    def begin(self, participant_id: str, instrument_id: str | None, lang: str) -> dict[str, Any]:
        """Start a check-in, or resume the one in progress (greeting again by name)."""
        name = self._name(participant_id)
        instrument = self.instrument(instrument_id)
        with self._lock:
            now = self._clock()
            state = self._saved(participant_id, instrument, lang)
            if state is None:
                turn = start(instrument, name, lang, now)
            else:
                if state.phase == "asking":
                    # Interrupted (page closed, restart) rather than stopped: pause it so
                    # that resuming greets the participant again before the question.
                    state = step(instrument, state, "stop", now).state
                turn = step(instrument, state, "resume", now)
            return self._keep(participant_id, instrument, turn)

    def answer(
        self, participant_id: str, instrument_id: str | None, event: str, lang: str
    ) -> dict[str, Any]:
        """Apply one event from the page (``checkins.dialogue.EVENTS``)."""
        self._name(participant_id)
        instrument = self.instrument(instrument_id)
        if event not in EVENTS:
            raise ValueError(f"event {event!r}: expected one of {', '.join(EVENTS)}")
        with self._lock:
            state = self._saved(participant_id, instrument, lang)
            if state is None:
                raise LookupError(
                    f"participant {participant_id!r} has no {instrument.id} check-in in "
                    "progress; start one"
                )
            turn = step(instrument, state, event, self._clock())
            return self._keep(participant_id, instrument, turn)

    def _keep(self, participant_id: str, instrument: Instrument, turn: Turn) -> dict[str, Any]:
        state = turn.state
        if state.finished:
            body = upload_body(self._gateway_id, participant_id, state)
            self._queue.complete(participant_id, instrument.id, state.to_json(), body)
            self._on_complete()
        else:
            self._queue.save_progress(participant_id, instrument.id, state.to_json())
        return {
            "instrument": instrument.id,
            "phase": state.phase,
            "lang": state.lang,
            "item": min(state.position + 1, len(instrument.items)),
            "total": len(instrument.items),
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
        """Every fixed prompt text of the questionnaires in ``lang`` (to render ahead)."""
        texts = []
        for instrument in self.instruments.values():
            texts += [item.text[lang] for item in instrument.items]
            texts += [item.rephrase[lang] for item in instrument.items]
            count = len(instrument.items)
            for name in self.names.values():
                for message in instrument.messages[lang].values():
                    texts.append(message.format(name=name, count=count))
        return texts
