"""Virtual participants answering their weekly GDS-15 check-in as their scenario says.

:func:`weekly_scores` draws the scores of a run of weekly check-ins from the scenario's
:class:`~simulators.physiology.mood.MoodParams`; :func:`answer_events` turns one target
score into the events a participant gives the dialogue (``checkins.dialogue``), item by
item: the depressive answer (``scores_on`` of the instrument file, so reversed items are
answered "no") on as many items as the score, now and then "not sure" or a request to
repeat, and rarely a skip.
"""

from __future__ import annotations

import numpy as np

from checkins import Instrument
from simulators.physiology._seeding import Stream, rng_for
from simulators.physiology.mood import MoodParams


def weekly_scores(params: MoodParams, seed: int, weeks: int) -> list[int]:
    """Target scores of ``weeks`` weekly check-ins, oldest first (0-15)."""
    if weeks < 1:
        return []
    rng = rng_for(seed, Stream.MOOD, 0)
    line = np.linspace(params.first_score, params.last_score, weeks)
    noise = np.clip(rng.normal(0.0, params.noise_sd, weeks), -1.5 * params.noise_sd, None)
    noise = np.minimum(noise, 1.5 * params.noise_sd)
    return [int(v) for v in np.clip(np.rint(line + noise), 0, 15)]


def answer_events(
    instrument: Instrument, score: int, params: MoodParams, seed: int, week: int
) -> list[str]:
    """Dialogue events that answer every item once, ``score`` of them the depressive way.

    Skipped items are chosen among the non-depressive ones, so the answered points stay
    ``score`` (and the server's prorated score can only be higher).
    """
    rng = rng_for(seed, Stream.MOOD, week + 1)
    n = len(instrument.items)
    depressive = set(rng.choice(n, size=min(score, n), replace=False).tolist())
    events: list[str] = []
    for i, item in enumerate(instrument.items):
        answer: str
        if i in depressive:
            answer = item.scores_on
        else:
            answer = "no" if item.scores_on == "yes" else "yes"
            if rng.uniform() < params.skip_prob:
                answer = "skip"
        if rng.uniform() < 0.05:
            events.append("repeat")
        if answer != "skip" and rng.uniform() < 0.05:
            events.append("not_sure")  # asked once more, then answered
        events.append(answer)
    return events
