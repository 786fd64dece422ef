"""Unbounded sample feeds for the virtual BLE wearables (simulators/ble).

The BLE peripherals consume plain tuples: ``(rr_ms, hr_bpm, contact)`` per beat for
the Heart Rate sensor and ``(offset_min, glucose_mg_dl, trend_mg_dl_min,
quality_pct)`` per reading for the CGM. These generators produce them lazily, chunk by
chunk; since the models are chunkable the stream equals one long generation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from simulators.physiology.cgm import CgmFlag
from simulators.physiology.errors import ParameterError
from simulators.physiology.glucose import GlucoseModel
from simulators.physiology.heart import HeartModel

#: CGM trend is the slope over the last 15 minutes (three 5-minute steps), the window
#: Dexcom describes for its trend arrows (assumption: simple two-point slope).
_TREND_WINDOW_READINGS = 3


class BeatSample(NamedTuple):
    """One beat for the Heart Rate peripheral."""

    rr_ms: float
    hr_bpm: int
    contact: bool


class CgmSample(NamedTuple):
    """One reading for the CGM peripheral.

    ``glucose_mg_dl`` is NaN for a missing reading, -inf below and +inf above the
    sensor range (the peripheral maps these to SFLOAT NaN/-INF/+INF).
    """

    offset_min: int
    glucose_mg_dl: float
    trend_mg_dl_min: float | None
    quality_pct: float | None


def heart_feed(model: HeartModel, start_s: float, chunk_s: float = 3600.0) -> Iterator[BeatSample]:
    """Yield every beat from ``start_s`` on, forever.

    Parameters
    ----------
    model : HeartModel
        The participant's heart.
    start_s : float
        UTC epoch seconds of the first beat considered.
    chunk_s : float
        Generation chunk; any positive value gives the same beats.

    Yields
    ------
    BeatSample
        ``rr_ms`` is the interval ending at the beat, ``hr_bpm`` the rounded sensor HR.
    """
    if not chunk_s > 0:
        raise ParameterError(f"chunk_s must be > 0, got {chunk_s}")
    t_s = start_s
    while True:
        trace = model.generate(t_s, chunk_s)
        hr_bpm = np.rint(trace.hr_bpm).astype(int).tolist()
        for rr_ms, hr, contact in zip(
            trace.rr_ms.tolist(), hr_bpm, trace.contact.tolist(), strict=True
        ):
            yield BeatSample(rr_ms, hr, contact)
        t_s += chunk_s


def first_reading_s(model: GlucoseModel, at_or_after_s: float) -> float:
    """Return the first CGM reading time at or after ``at_or_after_s`` (a session start)."""
    period = model.params.cgm.period_s
    return model.phase_s + math.ceil((at_or_after_s - model.phase_s) / period) * period


def cgm_feed(
    model: GlucoseModel, session_start_s: float, chunk_s: float = 6 * 3600.0
) -> Iterator[CgmSample]:
    """Yield every CGM reading from ``session_start_s`` on, forever.

    Parameters
    ----------
    model : GlucoseModel
        The participant's glucose model and sensor.
    session_start_s : float
        Sensor session start, UTC epoch seconds; ``offset_min`` counts from here.
        Use ``first_reading_s`` to start on a reading so offsets are exact minutes.
    chunk_s : float
        Generation chunk; any positive value gives the same readings.

    Yields
    ------
    CgmSample
        Readings every 5 minutes with a 15-minute trend when the window is complete.
    """
    if not chunk_s > 0:
        raise ParameterError(f"chunk_s must be > 0, got {chunk_s}")
    history: list[float] = []
    t_s = session_start_s
    while True:
        trace = model.generate(t_s, chunk_s)
        for time_s, value, flag in zip(
            trace.time_s.tolist(), trace.glucose_mg_dl.tolist(), trace.flags.tolist(), strict=True
        ):
            history = [*history[-_TREND_WINDOW_READINGS:], value]
            yield CgmSample(
                offset_min=round((time_s - session_start_s) / 60.0),
                glucose_mg_dl=_with_range_flags(value, flag),
                trend_mg_dl_min=_trend(history, model.params.cgm.period_s),
                quality_pct=None,
            )
        t_s += chunk_s


def _with_range_flags(value: float, flag: int) -> float:
    if flag & CgmFlag.LOW:
        return -math.inf
    if flag & CgmFlag.HIGH:
        return math.inf
    return value


def _trend(history: list[float], period_s: int) -> float | None:
    if len(history) <= _TREND_WINDOW_READINGS or any(math.isnan(v) for v in history):
        return None
    minutes = _TREND_WINDOW_READINGS * period_s / 60.0
    return (history[-1] - history[0]) / minutes
