"""CGM trace generator for an older adult with type 2 diabetes.

Generation is chunkable by local day: each local day is simulated on its own from the
basal state at the previous local midnight (a 24-hour warm-up), with every input
(meals, doses, exercise) a deterministic function of the seed and the day. The model's
memory (time constants of at most a few hours) forgets the basal start within the
warm-up, so consecutive days join without a visible step, and any interval gives the
same readings whichever way it is cut into calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulators.physiology._clock import (
    SECONDS_PER_DAY,
    FloatArray,
    days_covering,
    interval_end_s,
    local_day_start_s,
)
from simulators.physiology._seeding import Stream, rng_for
from simulators.physiology.cgm import UInt8Array, calibration, censor, sensor_noise
from simulators.physiology.episodes import Episode, EpisodeKind
from simulators.physiology.errors import ParameterError
from simulators.physiology.glucose_events import glycaemic_events
from simulators.physiology.glucose_inputs import (
    dawn_factor,
    drug_insulin,
    exercise_clearance,
    meal_appearance,
    schedule_between,
)
from simulators.physiology.glucose_ode import STEP_MIN, Inputs, integrate
from simulators.physiology.glucose_params import GlucoseParams
from simulators.physiology.schedule import day_episodes

#: Warm-up before each simulated day, s: ~10x the slowest model time constant.
_WARM_UP_S = SECONDS_PER_DAY
#: The simulation runs on past the day's end so that a glycaemic event crossing
#: midnight is complete (and identical) in both days' copies, up to this long.
_RUN_ON_S = 6 * 3600


@dataclass(frozen=True, slots=True)
class GlucoseTrace:
    """CGM readings of one participant over an interval.

    Attributes
    ----------
    time_s : numpy.ndarray
        Reading times, UTC epoch seconds, on the sensor's fixed 5-minute grid.
    glucose_mg_dl : numpy.ndarray
        Sensor value as reported: integer mg/dL clipped to 40-400, NaN when missing.
    flags : numpy.ndarray of uint8
        ``CgmFlag`` bits (LOW, HIGH, MISSING).
    blood_glucose_mg_dl : numpy.ndarray
        True plasma glucose (ground truth).
    interstitial_mg_dl : numpy.ndarray
        True interstitial glucose, which the sensor measures (lags plasma).
    episodes : tuple of Episode
        Meals, doses, exercise bouts, signal gaps, and ground-truth hypo/hyperglycaemic
        events of the true plasma glucose (``glucose_events``) overlapping the
        interval. An event spanning local midnight is computed in each day's
        simulation; its two copies can differ by a minute at most.
    """

    time_s: FloatArray
    glucose_mg_dl: FloatArray
    flags: UInt8Array
    blood_glucose_mg_dl: FloatArray
    interstitial_mg_dl: FloatArray
    episodes: tuple[Episode, ...]

    def __len__(self) -> int:
        return int(self.time_s.size)


class GlucoseModel:
    """Seeded glucose physiology and CGM sensor of one participant.

    Parameters
    ----------
    params : GlucoseParams
        Physiology, behaviour, treatment and sensor.
    seed : int
        Non-negative participant seed.

    Examples
    --------
    >>> trace = GlucoseModel(GlucoseParams(), seed=3).generate(1_767_225_600.0, 3600.0)
    >>> len(trace)
    12
    """

    def __init__(self, params: GlucoseParams, seed: int) -> None:
        if seed < 0:
            raise ParameterError(f"seed must be >= 0, got {seed}")
        self.params = params
        self.seed = seed
        phase_rng = rng_for(seed, Stream.GLUCOSE_PHASE)
        period = params.cgm.period_s
        #: The sensor's reading grid is offset from the epoch by this many seconds.
        self.phase_s = float(phase_rng.integers(0, period))
        days = int(phase_rng.integers(0, params.cgm.session_days))
        self._session_anchor_s = self.phase_s + days * SECONDS_PER_DAY

    def generate(self, start_s: float, duration_s: float) -> GlucoseTrace:
        """Return the readings with ``start_s <= time_s < start_s + duration_s``.

        Parameters
        ----------
        start_s : float
            Interval start, UTC epoch seconds.
        duration_s : float
            Interval length in seconds, >= 0.

        Returns
        -------
        GlucoseTrace
            Identical readings whether the interval is generated at once or in pieces.
        """
        end_s = interval_end_s(start_s, duration_s)
        days = [
            _simulate_day(self.seed, self.params, d, self._session_anchor_s, self.phase_s)
            for d in days_covering(start_s, end_s, self.params.utc_offset_s)
        ]
        parts = [_slice(day, start_s, end_s) for day in days]
        # Keyed by (kind, start): an event crossing midnight appears in both days.
        episodes = {
            (e.kind, e.start_s): e
            for day in reversed(days)
            for e in day.episodes
            if _touches(e, start_s, end_s)
        }
        return GlucoseTrace(
            time_s=np.concatenate([p.time_s for p in parts]),
            glucose_mg_dl=np.concatenate([p.glucose_mg_dl for p in parts]),
            flags=np.concatenate([p.flags for p in parts]),
            blood_glucose_mg_dl=np.concatenate([p.blood_glucose_mg_dl for p in parts]),
            interstitial_mg_dl=np.concatenate([p.interstitial_mg_dl for p in parts]),
            episodes=tuple(sorted(episodes.values(), key=lambda e: (e.start_s, e.kind))),
        )


def _slice(day: GlucoseTrace, start_s: float, end_s: float) -> GlucoseTrace:
    keep = (day.time_s >= start_s) & (day.time_s < end_s)
    return GlucoseTrace(
        time_s=day.time_s[keep],
        glucose_mg_dl=day.glucose_mg_dl[keep],
        flags=day.flags[keep],
        blood_glucose_mg_dl=day.blood_glucose_mg_dl[keep],
        interstitial_mg_dl=day.interstitial_mg_dl[keep],
        episodes=(),
    )


@lru_cache(maxsize=128)
def _simulate_day(
    seed: int, params: GlucoseParams, day: int, session_anchor_s: float, phase_s: float
) -> GlucoseTrace:
    """Simulate local ``day`` from the basal state at the previous local midnight."""
    day_start_s = local_day_start_s(day, params.utc_offset_s)
    day_end_s = day_start_s + SECONDS_PER_DAY
    minutes = (_WARM_UP_S + SECONDS_PER_DAY + _RUN_ON_S) / (60 * STEP_MIN)
    steps = np.arange(int(minutes) + 1, dtype=np.float64)
    grid_s: FloatArray = day_start_s - _WARM_UP_S + steps * (60.0 * STEP_MIN)
    schedule = schedule_between(seed, params, day - 1, day + 2)
    states = integrate(params, _inputs(grid_s, schedule, params))
    period = params.cgm.period_s
    first_k = math.ceil((day_start_s - phase_s) / period)
    stop_k = math.ceil((day_end_s - phase_s) / period)
    time_s = phase_s + np.arange(first_k, stop_k, dtype=np.float64) * period
    plasma = np.interp(time_s, grid_s, states.plasma_mg_dl)
    interstitial = np.interp(time_s, grid_s, states.interstitial_mg_dl)
    reported, flags = _sensor(seed, params, day, time_s, interstitial, session_anchor_s)
    found = (*schedule, *_gaps(seed, params, day), *glycaemic_events(grid_s, states.plasma_mg_dl))
    events = tuple(e for e in found if _touches(e, day_start_s, day_end_s))
    return GlucoseTrace(time_s, reported, flags, plasma, interstitial, events)


def _touches(episode: Episode, start_s: float, end_s: float) -> bool:
    """Overlaps ``[start_s, end_s)``, or is instantaneous (a meal, a dose) inside it."""
    return episode.overlaps(start_s, end_s) or start_s <= episode.start_s < end_s


def _gaps(seed: int, params: GlucoseParams, day: int) -> list[Episode]:
    gaps = params.cgm.gaps
    return [
        e
        for d in (day - 1, day)
        for e in day_episodes(
            seed, Stream.GLUCOSE_GAPS, EpisodeKind.CGM_GAP, gaps, d, params.utc_offset_s
        )
    ]


def _inputs(grid_s: FloatArray, schedule: tuple[Episode, ...], params: GlucoseParams) -> Inputs:
    def of(kind: EpisodeKind) -> list[Episode]:
        return [e for e in schedule if e.kind is kind]

    drug = drug_insulin(grid_s, of(EpisodeKind.SULFONYLUREA), params.sulfonylurea)
    drug += drug_insulin(grid_s, of(EpisodeKind.INSULIN), params.basal_insulin)
    return Inputs(
        appearance_mg_dl_min=meal_appearance(grid_s, of(EpisodeKind.MEAL), params),
        drug_uU_ml=drug,
        exercise_per_min=exercise_clearance(grid_s, of(EpisodeKind.EXERCISE)),
        dawn_factor=dawn_factor(grid_s, params),
    )


def _sensor(
    seed: int,
    params: GlucoseParams,
    day: int,
    time_s: FloatArray,
    interstitial: FloatArray,
    session_anchor_s: float,
) -> tuple[FloatArray, UInt8Array]:
    cgm = params.cgm
    noise = sensor_noise(
        rng_for(seed, Stream.GLUCOSE_NOISE, day), time_s.size, cgm.period_s, cgm.noise_sd_mg_dl
    )
    gain, offset = calibration(seed, cgm, time_s, session_anchor_s)
    missing = (
        rng_for(seed, Stream.GLUCOSE_DROPOUT, day).uniform(size=time_s.size) < cgm.dropout_rate
    )
    for gap in _gaps(seed, params, day):
        missing |= (time_s >= gap.start_s) & (time_s < gap.end_s)
    return censor(interstitial * gain + offset + noise, missing)
