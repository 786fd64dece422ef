"""Deterministic random streams keyed by (participant seed, stream, index).

Each random quantity is drawn from its own generator, derived with numpy's
``SeedSequence`` from the participant seed plus a spawn key naming the stream and the
block (a local day, a 5-minute heart block, ...). A block's draws therefore never depend
on which other blocks were generated, which is what makes generation chunkable: asking
for [0, 2 h) in one call or in two calls of 1 h yields identical values.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

#: Spawn keys must be non-negative; block indices are shifted by this much so that
#: times before 1970 (negative day numbers) still map to valid keys.
_INDEX_SHIFT = 1 << 40


class Stream(IntEnum):
    """Independent random streams; values are part of the seeding contract, never reuse."""

    HEART_SHAPE = 1
    ACTIVITY = 2  # shared: heart activity bouts and glucose exercise coincide
    HEART_AF = 3
    HEART_BRADY = 4
    HEART_TACHY = 5
    HEART_CONTACT = 6
    HEART_BLOCK = 7
    GLUCOSE_DAY = 20
    GLUCOSE_NOISE = 21
    GLUCOSE_DROPOUT = 22
    GLUCOSE_SESSION = 23
    GLUCOSE_PHASE = 24
    GLUCOSE_GAPS = 26
    COHORT = 40
    MOOD = 50  # weekly check-in answers (simulators.checkins)


def rng_for(seed: int, stream: Stream, index: int = 0) -> np.random.Generator:
    """Return the generator for ``stream`` and block ``index`` of participant ``seed``.

    Parameters
    ----------
    seed : int
        Non-negative participant seed.
    stream : Stream
        Which random quantity the draws are for.
    index : int
        Block number (local day, heart block, ...); may be negative.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator that depends only on the three arguments.
    """
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}; use abs() or a hash")
    sequence = np.random.SeedSequence(seed, spawn_key=(int(stream), index + _INDEX_SHIFT))
    return np.random.Generator(np.random.PCG64(sequence))


def derived_seed(seed: int, stream: Stream, index: int) -> int:
    """Return a stable 63-bit seed for child ``index`` (e.g. a cohort member)."""
    word = rng_for(seed, stream, index).integers(0, 2**63 - 1, dtype=np.int64)
    return int(word)
