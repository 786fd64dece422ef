"""Heart-rate history for the demo's first minutes, sent through the gateway's outbox.

A heart-rate strap keeps no history (the Heart Rate Service has no record store), so the
demo puts the past ``--history-days`` of simulated beats into each gateway's outbox, as
the gateway itself would have recorded them, flagged ``backfilled``; the uploader then
sends them through the same path as live data. CGM history needs no such help: the
virtual CGM's session starts days ago and the gateway back-fills it over RACP.

A radio loss in the history (a fault before the run) leaves the heart-rate history as a
gateway would have recorded it: a wearable drifting out of range does not vanish at once,
the link comes and goes at the edge of range first and last (``MARGINAL_S``), and nothing
arrives in between. The CGM keeps its records through a radio loss (RACP recovers them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np

from gateway.reading import Flag, Reading
from simulators.physiology import HeartModel

# One day of beats per chunk keeps memory modest (~100k beats per participant-day).
_CHUNK_S = 86_400.0
# At the edge of range: 12 min at each end of a radio loss during which the gateway hears
# the strap 10 s in every 30 s (a third of the time: the coverage gate's low_coverage
# finding needs 10 min below 80 % coverage, see docs/clinical.md "Coverage").
MARGINAL_S = 12 * 60.0
_LINK_CYCLE_S = 30.0
_LINK_UP_S = 10.0

RadioLoss = tuple[float, float]  # (start_s, end_s), UTC epoch seconds


def heart_history(
    device_id: str,
    model: HeartModel,
    start_s: float,
    end_s: float,
    radio_losses: Sequence[RadioLoss] = (),
) -> Iterator[list[Reading]]:
    """Readings a gateway would have made from ``[start_s, end_s)``, a day at a time.

    One ``rr_interval`` reading per beat with skin contact, and one ``heart_rate`` reading
    per second (the strap's notification period), as ``gateway.convert`` makes them;
    none while a radio loss keeps the strap out of the gateway's reach (:func:`heard`).
    """
    t = start_s
    while t < end_s:
        span = min(_CHUNK_S, end_s - t)
        trace = model.generate(t, span)
        yield _readings(
            device_id, trace.beat_s, trace.rr_ms, trace.hr_bpm, trace.contact, radio_losses
        )
        t += span


def heard(t_s: np.ndarray, radio_losses: Sequence[RadioLoss]) -> np.ndarray:
    """Whether the gateway heard the strap at each time (False inside a radio loss,
    intermittently True in its first and last ``MARGINAL_S``)."""
    keep = np.ones(t_s.shape, dtype=bool)
    for start_s, end_s in radio_losses:
        inside = (t_s >= start_s) & (t_s < end_s)
        edge = (t_s < start_s + MARGINAL_S) | (t_s >= end_s - MARGINAL_S)
        link_up = np.mod(t_s - start_s, _LINK_CYCLE_S) < _LINK_UP_S
        keep &= ~inside | (edge & link_up)
    return keep


def _readings(
    device_id: str,
    beat_s: np.ndarray,
    rr_ms: np.ndarray,
    hr_bpm: np.ndarray,
    contact: np.ndarray,
    radio_losses: Sequence[RadioLoss],
) -> list[Reading]:
    backfilled: tuple[Flag, ...] = ("backfilled",)
    lost: tuple[Flag, ...] = ("backfilled", "no_contact")
    rr_kept = contact & heard(beat_s, radio_losses)
    out = [
        Reading(device_id, "rr_interval", _utc(t), round(float(rr), 3), backfilled)
        for t, rr in zip(beat_s[rr_kept].tolist(), rr_ms[rr_kept].tolist(), strict=True)
    ]
    # The last beat of each second stands for that second's notification.
    second = np.floor(beat_s).astype(np.int64)
    last = np.flatnonzero(np.r_[second[1:] != second[:-1], True])
    last = last[heard(second[last] + 1.0, radio_losses)]
    out.extend(
        Reading(
            device_id,
            "heart_rate",
            _utc(float(second[i]) + 1.0),
            float(round(hr_bpm[i])),
            backfilled if contact[i] else lost,
        )
        for i in last.tolist()
    )
    return out


def _utc(epoch_s: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC)
