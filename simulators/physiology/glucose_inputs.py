"""Daily behaviour (meals, drug doses, exercise) and the input curves they drive."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from simulators.physiology._clock import FloatArray, local_day_start_s, local_hour
from simulators.physiology._seeding import Stream, rng_for
from simulators.physiology.episodes import Episode, EpisodeKind
from simulators.physiology.glucose_params import GlucoseParams, Medication
from simulators.physiology.schedule import day_episodes

#: SD of the drug dosing time around its nominal hour, minutes (assumption).
_DOSE_TIME_SD_MIN = 15.0
#: A dose acts for at most this long (NPH lasts 12-18 h, glimepiride ~24 h).
_DOSE_HORIZON_DAYS = 2
#: Exercise effect persists after the bout with this time constant, minutes (increased
#: insulin-independent uptake decays over ~1-2 h; Breton 2008).
_EXERCISE_AFTER_MIN = 60.0
#: Dawn-phenomenon bump: peak hour and width (SD) in hours (Porcellati 2013: rise
#: between ~04:00 and 08:00).
_DAWN_PEAK_H, _DAWN_WIDTH_H = 6.0, 1.2
#: Meals absorb over ~6 h; include meals of the previous day in the inputs.
_MEAL_LOOKBACK_DAYS = 1


@lru_cache(maxsize=1024)
def day_schedule(seed: int, params: GlucoseParams, day: int) -> tuple[Episode, ...]:
    """Return the meals, doses and exercise of local ``day``, sorted by start."""
    rng = rng_for(seed, Stream.GLUCOSE_DAY, day)
    midnight_s = local_day_start_s(day, params.utc_offset_s)
    plan = params.meals
    n = len(plan.times_h)
    meal_s = (
        midnight_s + np.asarray(plan.times_h) * 3600.0 + rng.normal(0, plan.time_sd_min, n) * 60
    )
    carbs_g = np.asarray(plan.carbs_g) * np.maximum(rng.normal(1.0, plan.carbs_cv, n), 0.2)
    eaten = rng.uniform(size=n) >= np.asarray(plan.skip_probability)
    found = [
        Episode(EpisodeKind.MEAL, float(t), float(t), float(c))
        for t, c, e in zip(meal_s, carbs_g, eaten, strict=True)
        if e
    ]
    drugs = (
        (EpisodeKind.SULFONYLUREA, params.sulfonylurea),
        (EpisodeKind.INSULIN, params.basal_insulin),
    )
    for kind, drug in drugs:
        jitter_s = rng.normal(0.0, _DOSE_TIME_SD_MIN) * 60.0
        if drug.peak_uU_ml > 0:
            dose_s = midnight_s + drug.dose_h * 3600.0 + jitter_s
            found.append(Episode(kind, float(dose_s), float(dose_s), drug.peak_uU_ml))
    found.extend(
        day_episodes(
            seed,
            Stream.ACTIVITY,
            EpisodeKind.EXERCISE,
            params.exercise,
            day,
            params.utc_offset_s,
        )
    )
    return tuple(sorted(found, key=lambda e: e.start_s))


def schedule_between(
    seed: int, params: GlucoseParams, first_day: int, stop_day: int
) -> tuple[Episode, ...]:
    """Return the schedules of days ``first_day - horizon`` to ``stop_day - 1``."""
    found: list[Episode] = []
    for day in range(first_day - _DOSE_HORIZON_DAYS, stop_day):
        found.extend(day_schedule(seed, params, day))
    return tuple(found)


def meal_appearance(t_s: FloatArray, meals: list[Episode], params: GlucoseParams) -> FloatArray:
    """Glucose appearance from meals, mg/dL/min: Hovorka 2004 gut model.

    ``Ra(t) = D * f * t * exp(-t / tmax) / (tmax^2 * V)`` for each meal of ``D`` mg.
    """
    volume_dl = params.distribution_volume_dl_per_kg * params.body_weight_kg
    tmax_min = params.absorption_peak_min
    total = np.zeros_like(t_s)
    for meal in meals:
        since_min = np.maximum(t_s - meal.start_s, 0.0) / 60.0
        dose_mg_dl = meal.level * 1000.0 * params.bioavailability / volume_dl
        total += dose_mg_dl * since_min * np.exp(-since_min / tmax_min) / tmax_min**2
    return total


def drug_insulin(t_s: FloatArray, doses: list[Episode], drug: Medication) -> FloatArray:
    """Plasma-insulin-equivalent profile of all ``doses`` of ``drug``, µU/mL."""
    total = np.zeros_like(t_s)
    k = drug.shape
    for dose in doses:
        x = np.maximum(t_s - dose.start_s, 0.0) / 60.0 / drug.time_to_peak_min
        total += dose.level * x ** (k - 1.0) * np.exp(-(k - 1.0) * (x - 1.0))
    return total


def exercise_clearance(t_s: FloatArray, bouts: list[Episode]) -> FloatArray:
    """Extra glucose clearance, /min: the bout level, decaying exponentially after it."""
    total = np.zeros_like(t_s)
    for bout in bouts:
        during = (t_s >= bout.start_s) & (t_s < bout.end_s)
        after_min = np.maximum(t_s - bout.end_s, 0.0) / 60.0
        tail = np.where(t_s >= bout.end_s, np.exp(-after_min / _EXERCISE_AFTER_MIN), 0.0)
        total += bout.level * (during + tail)
    return total


def dawn_factor(t_s: FloatArray, params: GlucoseParams) -> FloatArray:
    """Multiplier of basal glucose production: 1 + dawn bump centred at 06:00 local."""
    hour = local_hour(t_s, params.utc_offset_s)
    bump = np.exp(-0.5 * ((hour - _DAWN_PEAK_H) / _DAWN_WIDTH_H) ** 2)
    factor: FloatArray = 1.0 + params.dawn_rise * bump
    return factor
