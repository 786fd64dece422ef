"""The virtual participants' weekly check-ins, answered through the dialogue and queued
in each home gateway's outbox, which uploads them (``POST /api/v1/ingest/checkin`` with
the home's token, exactly once) like a check-in completed at the home page."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import Final

from checkins import load_instrument
from checkins.dialogue import DialogueState, start, step
from gateway.checkin_queue import CheckinQueue
from gateway.home.checkin import upload_body
from gateway.outbox import Outbox
from simulators.checkins import answer_events, weekly_scores
from simulators.physiology.cohort import ParticipantSpec
from wearmon.demo.enrol import EnrolledHome
from wearmon.demo.homes import VirtualHome

INSTRUMENT: Final = "gds15"
#: Weekly check-ins in the demo's history: the newest just before the run, so that a
#: short run shows the score trend and, for low_mood, a mood_screen alert.
WEEKS: Final = 4
WEEK: Final = dt.timedelta(days=7)
#: The newest check-in is completed this long before the run starts.
NEWEST_BEFORE_RUN: Final = dt.timedelta(minutes=10)
#: Time a participant takes per dialogue event (listening, thinking, touching).
_PER_EVENT: Final = dt.timedelta(seconds=15)


def body_of(home: EnrolledHome, state: DialogueState) -> bytes:
    """The upload body of a finished dialogue, as the home page's gateway forms it."""
    return upload_body(str(home.gateway_id), str(home.participant_id), state)


def answered_checkins(spec: ParticipantSpec, run_start: dt.datetime) -> list[DialogueState]:
    """The participant's weekly check-ins, each answered through the dialogue engine."""
    instrument = load_instrument(INSTRUMENT)
    mood = spec.scenario.mood
    out = []
    for week, score in enumerate(weekly_scores(mood, spec.seed, WEEKS)):
        events = answer_events(instrument, score, mood, spec.seed, week)
        done_at = run_start - NEWEST_BEFORE_RUN - (WEEKS - 1 - week) * WEEK
        at = done_at - _PER_EVENT * len(events)
        turn = start(instrument, spec.participant_id, "ko", at)
        for event in events:
            at += _PER_EVENT
            turn = step(instrument, turn.state, event, at)
        out.append(turn.state)
    return out


def queue_checkins(homes: Sequence[VirtualHome], run_start: dt.datetime) -> int:
    """Put every home's check-ins in its gateway's outbox; returns how many."""
    total = 0
    for home in homes:
        config = home.config
        with contextlib.closing(
            Outbox(
                config.outbox_path, gateway_id=config.gateway_id, max_rows=config.outbox_max_rows
            )
        ) as outbox:
            queue = CheckinQueue(outbox)
            for state in answered_checkins(home.enrolled.spec, run_start):
                queue.complete(
                    str(home.enrolled.participant_id),
                    state.instrument,
                    state.to_json(),
                    body_of(home.enrolled, state),
                )
                total += 1
    return total
