"""Wellbeing check-ins: instruments as data, scoring, and the scripted dialogue.

Pure: no database, network or clock. Instruments (items, wording in Korean and English,
scoring rules, cut-off and their sources) live in versioned JSON files under
``checkins/instruments``; :func:`load_instrument` reads and validates them.
"""

from checkins.instruments import Instrument, InstrumentError, Item, load_instrument
from checkins.scoring import Answer, Score, score_answers

__all__ = [
    "Answer",
    "Instrument",
    "InstrumentError",
    "Item",
    "Score",
    "load_instrument",
    "score_answers",
]
