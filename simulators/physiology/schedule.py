"""Daily schedules of episodes, drawn per local day from their own random stream."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulators.physiology._clock import SECONDS_PER_HOUR, days_covering, local_day_start_s
from simulators.physiology._seeding import Stream, rng_for
from simulators.physiology.episodes import Episode, EpisodeKind
from simulators.physiology.errors import ParameterError

#: Episodes end by local midnight (see ``day_episodes``); the previous day is still
#: consulted so that a caller's span padding never misses one.
_LOOKBACK_DAYS = 1


@dataclass(frozen=True, slots=True)
class EpisodeSpec:
    """How often and how an episode kind occurs each local day.

    Attributes
    ----------
    per_day : int
        Episodes per local day (an exact count, so a scenario reliably shows its event).
    duration_min : tuple[float, float]
        Uniform range of plateau durations, minutes.
    level : tuple[float, float]
        Uniform range of the episode level (units depend on the kind, see ``Episode``).
    onset_h : tuple[float, float]
        Uniform range of local clock hours at which an episode may start.
    """

    per_day: int = 0
    duration_min: tuple[float, float] = (10.0, 20.0)
    level: tuple[float, float] = (0.0, 0.0)
    onset_h: tuple[float, float] = (0.0, 24.0)

    def __post_init__(self) -> None:
        _check_range("duration_min", self.duration_min, 0.0, 24 * 60.0)
        _check_range("onset_h", self.onset_h, 0.0, 24.0)
        if self.level[0] > self.level[1]:
            raise ParameterError(f"level must be (low, high) with low <= high, got {self.level}")
        if self.per_day < 0:
            raise ParameterError(f"per_day must be >= 0, got {self.per_day}")


def _check_range(name: str, pair: tuple[float, float], low: float, high: float) -> None:
    if not low <= pair[0] <= pair[1] <= high:
        raise ParameterError(
            f"{name} must be (a, b) with {low} <= a <= b <= {high}, got {pair}; fix the spec"
        )


@lru_cache(maxsize=4096)
def day_episodes(
    seed: int, stream: Stream, kind: EpisodeKind, spec: EpisodeSpec, day: int, utc_offset_s: int
) -> tuple[Episode, ...]:
    """Return the episodes of ``kind`` that start on local ``day``, sorted by start.

    Parameters
    ----------
    seed : int
        Participant seed.
    stream : Stream
        Random stream reserved for this kind.
    kind : EpisodeKind
        Label given to the episodes.
    spec : EpisodeSpec
        Count, duration, level and allowed onset hours.
    day : int
        Local day index (days since 1970-01-01 in local time).
    utc_offset_s : int
        Local offset from UTC in seconds.

    Returns
    -------
    tuple of Episode
        Sorted, non-overlapping, within the local day; deterministic for the arguments
        and independent of every other day. An episode drawn longer than the rest of
        its slot (window length / ``per_day``; the last slot reaches midnight) is
        shortened to fit.
    """
    if spec.per_day == 0:
        return ()
    rng = rng_for(seed, stream, day)
    # Stratified onsets: episode i starts in slot i of the onset window and is cut at
    # the next slot's start (the last one at midnight), so episodes never overlap and
    # never run into the next day.
    slot_h = (spec.onset_h[1] - spec.onset_h[0]) / spec.per_day
    slot_start_h = spec.onset_h[0] + slot_h * np.arange(spec.per_day)
    onset_h = slot_start_h + rng.uniform(0.0, slot_h, spec.per_day)
    limit_h = np.append(slot_start_h[1:], 24.0)
    duration_s = rng.uniform(spec.duration_min[0], spec.duration_min[1], spec.per_day) * 60.0
    duration_s = np.minimum(duration_s, (limit_h - onset_h) * SECONDS_PER_HOUR)
    level = rng.uniform(spec.level[0], spec.level[1], spec.per_day)
    start_s = local_day_start_s(day, utc_offset_s) + onset_h * SECONDS_PER_HOUR
    return tuple(
        Episode(kind, float(s), float(s + d), float(v))
        for s, d, v in zip(start_s, duration_s, level, strict=True)
    )


def episodes_between(
    seed: int,
    stream: Stream,
    kind: EpisodeKind,
    spec: EpisodeSpec,
    span_s: tuple[float, float],
    utc_offset_s: int,
) -> tuple[Episode, ...]:
    """Return every episode of ``kind`` overlapping ``span_s = (start_s, end_s)``."""
    start_s, end_s = span_s
    days = days_covering(start_s, end_s, utc_offset_s)
    found: list[Episode] = []
    for day in range(days.start - _LOOKBACK_DAYS, days.stop):
        found.extend(
            e
            for e in day_episodes(seed, stream, kind, spec, day, utc_offset_s)
            if e.overlaps(start_s, end_s)
        )
    return tuple(sorted(found, key=lambda e: e.start_s))
