"""Which waiting readings the next upload batch takes: live data first (pure).

After an outage or a history back-fill the outbox holds hours of heart-rate backlog. Sent
oldest first, a glucose reading measured now would wait behind all of it; a nurse needs
the opposite. :func:`choose_batch` fills a batch in two tiers:

1. **Urgent**: every reading measured within ``fresh_s`` of now (the live edge of every
   stream), and glucose of any age (a CGM stream is ~288 readings a day, and a low glucose
   is the most time-critical finding), newest first. Urgent readings take at most
   ``size - reserve`` places while a backlog waits, so the backlog always drains too.
2. **Backlog**: the remaining places are shared fairly between streams (one stream per
   device and metric; "water-filling": a stream with less than its share gives the rest
   to the others), each stream newest first, so the recent past is complete first and the
   stored history grows backwards from now.

The choice is a set; the outbox persists it with its Idempotency-Key when it forms the
batch, so a re-sent batch is the same batch whatever arrives later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

Stream = tuple[str, str]  # (device_id, metric)

# The live edge: a minute is longer than an upload round trip under load (so a live
# reading is still "fresh" at its first send) and holds ~150 readings of one HR strap
# with RR (1 HR + ~1.2 RR per second), a fraction of a 500-reading batch.
FRESH_S: Final = 60.0
# Metrics that never wait behind a backlog, whatever their age: glucose is low volume
# (one reading per 5 minutes) and carries the most urgent finding (hypoglycaemia).
URGENT_METRICS: Final = frozenset({"glucose"})
# Share of each batch kept for the backlog while urgent readings alone would fill it.
BACKLOG_RESERVE: Final = 0.25


@dataclass(frozen=True, slots=True)
class Pending:
    """A reading waiting in the outbox, reduced to what the policy needs.

    Attributes
    ----------
    reading_id : int
        Outbox id (arrival order).
    measured_us : int
        Measurement instant in microseconds since the Unix epoch (UTC).
    """

    reading_id: int
    measured_us: int


def choose_batch(
    newest_first: Mapping[Stream, Sequence[Pending]],
    *,
    now: dt.datetime,
    size: int,
    fresh_s: float = FRESH_S,
    urgent_metrics: frozenset[str] = URGENT_METRICS,
    reserve: float = BACKLOG_RESERVE,
) -> tuple[int, ...]:
    """Return the ids of the readings the next batch carries, in arrival (id) order.

    Parameters
    ----------
    newest_first : mapping of (device_id, metric) to sequence of Pending
        Per stream, its unbatched readings newest first; at least the newest ``size`` of
        each stream (fewer only if the stream holds fewer).
    now : datetime.datetime
        The gateway's current time (aware).
    size : int
        Batch size limit, >= 1.
    fresh_s : float
        Readings measured at or after ``now - fresh_s`` are urgent.
    urgent_metrics : frozenset of str
        Metrics urgent at any age.
    reserve : float
        Fraction of the batch, in [0, 1), kept for the backlog when urgent readings
        would otherwise fill it.

    Returns
    -------
    tuple of int
        At most ``size`` reading ids, ascending; empty when nothing waits.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    if not 0.0 <= reserve < 1.0:
        raise ValueError(f"reserve must be in [0, 1), got {reserve}")
    fresh_from_us = epoch_us(now) - round(fresh_s * 1e6)
    urgent, backlog = _split(newest_first, fresh_from_us, urgent_metrics)
    waiting = sum(len(b) for b in backlog.values())
    urgent_room = size - min(waiting, int(size * reserve)) if waiting else size
    urgent.sort(key=lambda p: (-p.measured_us, -p.reading_id))
    chosen = [p.reading_id for p in urgent[:urgent_room]]
    # Urgent readings that did not fit stay urgent for the next batch; the backlog gets
    # whatever places are left.
    chosen += _fair_share(backlog, size - len(chosen))
    return tuple(sorted(chosen))


def _split(
    newest_first: Mapping[Stream, Sequence[Pending]],
    fresh_from_us: int,
    urgent_metrics: frozenset[str],
) -> tuple[list[Pending], dict[Stream, Sequence[Pending]]]:
    urgent: list[Pending] = []
    backlog: dict[Stream, Sequence[Pending]] = {}
    for stream, pending in newest_first.items():
        if stream[1] in urgent_metrics:
            urgent.extend(pending)
            continue
        # Newest first: the fresh readings are a prefix.
        cut = next((i for i, p in enumerate(pending) if p.measured_us < fresh_from_us), None)
        cut = len(pending) if cut is None else cut
        urgent.extend(pending[:cut])
        if cut < len(pending):
            backlog[stream] = pending[cut:]
    return urgent, backlog


def _fair_share(backlog: Mapping[Stream, Sequence[Pending]], room: int) -> list[int]:
    """Up to ``room`` ids, shared equally between streams (water-filling), newest first."""
    chosen: list[int] = []
    # Smallest streams first: whatever they cannot use passes to the larger ones.
    streams = sorted(backlog, key=lambda s: (len(backlog[s]), s))
    for i, stream in enumerate(streams):
        if room <= 0:
            break
        share = -(-room // (len(streams) - i))  # ceiling: no place is left unused
        take = backlog[stream][:share]
        chosen.extend(p.reading_id for p in take)
        room -= len(take)
    return chosen


def epoch_us(instant: dt.datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float rounding)."""
    if instant.utcoffset() is None:
        raise ValueError(f"expected a time zone-aware datetime, got naive {instant!r}")
    delta = instant - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
