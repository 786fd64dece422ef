"""Scoring a completed check-in as published, with a stated rule for skipped items.

GDS-15 (Sheikh & Yesavage 1986): one point per item answered the depressive way; items
1, 5, 7, 11 and 13 are reversed (a point for "no"), which the instrument file records per
item as ``scores_on``. The total is 0-15; the Korean cut-off (SGDS-K, Bae & Cho 2004) is
in the file: score >= cut-off screens positive.

Skipped items (docs/checkins.md "Skipped items"): with at most ``max_skipped`` items
skipped (3 of 15 for GDS-15, i.e. at least 80 % answered) the score is prorated: the
points are scaled to the full length, ``round(points * n_items / answered)`` with halves
rounded up, the usual mean-substitution rule for summed scales; with more skipped the
score is ``None`` (incomplete). Either way the screen is positive when the points of
the answered items alone reach the cut-off, since a skipped item can only add points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from checkins.instruments import Instrument

AnswerValue = Literal["yes", "no", "skip"]
ANSWERS: tuple[AnswerValue, ...] = ("yes", "no", "skip")


@dataclass(frozen=True, slots=True)
class Answer:
    """One item's answer (timestamps are the caller's business)."""

    item: int
    answer: AnswerValue


@dataclass(frozen=True, slots=True)
class Score:
    """The result of scoring one check-in.

    Attributes
    ----------
    score : int or None
        Total (prorated when items were skipped); None when too many were skipped.
    points : int
        Points of the answered items only.
    answered, skipped : int
        Counts of items answered yes/no and skipped (missing items count as skipped).
    prorated : bool
        True when ``score`` was scaled up for skipped items.
    positive : bool or None
        Screen positive (score or points >= cut-off); None when the instrument has no
        cut-off, or when it is incomplete and its points stay below the cut-off.
    cutoff : int or None
        The instrument's cut-off.
    """

    score: int | None
    points: int
    answered: int
    skipped: int
    prorated: bool
    positive: bool | None
    cutoff: int | None

    @property
    def status(self) -> Literal["complete", "prorated", "incomplete"]:
        if self.score is None:
            return "incomplete"
        return "prorated" if self.prorated else "complete"


class ScoringError(ValueError):
    """Answers that do not fit the instrument (the message names the item)."""


def score_answers(instrument: Instrument, answers: Iterable[Answer]) -> Score:
    """Score ``answers`` with ``instrument``'s rule (see the module docstring).

    Raises
    ------
    ScoringError
        An item number the instrument does not have, an item answered twice, or an
        answer other than yes/no/skip.
    """
    given: dict[int, AnswerValue] = {}
    numbers = set(instrument.numbers)
    for a in answers:
        if a.item not in numbers:
            raise ScoringError(f"item {a.item}: {instrument.id} has items 1-{len(numbers)}")
        if a.item in given:
            raise ScoringError(f"item {a.item}: answered twice")
        if a.answer not in ANSWERS:
            raise ScoringError(f"item {a.item}: answer {a.answer!r} is not yes, no or skip")
        given[a.item] = a.answer
    points = sum(1 for it in instrument.items if given.get(it.number) == it.scores_on)
    answered = sum(1 for v in given.values() if v != "skip")
    n = len(instrument.items)
    skipped = n - answered
    cutoff = instrument.cutoff
    if skipped == 0:
        score: int | None = points
    elif skipped <= instrument.max_skipped and answered > 0:
        score = math.floor(points * n / answered + 0.5)
    else:
        score = None
    positive: bool | None = None
    if cutoff is not None:
        if score is not None:
            positive = score >= cutoff
        elif points >= cutoff:
            positive = True
    return Score(
        score, points, answered, skipped, score is not None and skipped > 0, positive, cutoff
    )
