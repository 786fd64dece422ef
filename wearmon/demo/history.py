"""Heart-rate history for the demo's first minutes, sent through the gateway's outbox.

A heart-rate strap keeps no history (the Heart Rate Service has no record store), so the
demo puts the past ``--history-days`` of simulated beats into each gateway's outbox, as
the gateway itself would have recorded them, flagged ``backfilled``; the uploader then
sends them through the same path as live data. CGM history needs no such help: the
virtual CGM's session starts days ago and the gateway back-fills it over RACP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np

from gateway.reading import Flag, Reading
from simulators.physiology import HeartModel

# One day of beats per chunk keeps memory modest (~100k beats per participant-day).
_CHUNK_S = 86_400.0


def heart_history(
    device_id: str, model: HeartModel, start_s: float, end_s: float
) -> Iterator[list[Reading]]:
    """Readings a gateway would have made from ``[start_s, end_s)``, a day at a time.

    One ``rr_interval`` reading per beat with skin contact, and one ``heart_rate`` reading
    per second (the strap's notification period), as ``gateway.convert`` makes them.
    """
    t = start_s
    while t < end_s:
        span = min(_CHUNK_S, end_s - t)
        trace = model.generate(t, span)
        yield _readings(device_id, trace.beat_s, trace.rr_ms, trace.hr_bpm, trace.contact)
        t += span


def _readings(
    device_id: str,
    beat_s: np.ndarray,
    rr_ms: np.ndarray,
    hr_bpm: np.ndarray,
    contact: np.ndarray,
) -> list[Reading]:
    backfilled: tuple[Flag, ...] = ("backfilled",)
    lost: tuple[Flag, ...] = ("backfilled", "no_contact")
    out = [
        Reading(device_id, "rr_interval", _utc(t), round(float(rr), 3), backfilled)
        for t, rr in zip(beat_s[contact].tolist(), rr_ms[contact].tolist(), strict=True)
    ]
    # The last beat of each second stands for that second's notification.
    second = np.floor(beat_s).astype(np.int64)
    last = np.flatnonzero(np.r_[second[1:] != second[:-1], True])
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
