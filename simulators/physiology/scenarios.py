"""Named scenarios: physiology settings plus a fault schedule for the demo.

Each risk scenario is tuned so that its rule in the clinical spec (docs/clinical.md,
"Alerts") fires every simulated day, and the ``healthy`` scenario so that none does;
tests/simulators/physiology/test_scenarios.py checks both over 24-hour days.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from simulators.physiology.errors import UnknownScenarioError
from simulators.physiology.glucose_params import CgmParams, GlucoseParams, MealPlan, Medication
from simulators.physiology.heart_params import HeartParams
from simulators.physiology.mood import MoodParams
from simulators.physiology.schedule import EpisodeSpec


class FaultKind(StrEnum):
    """Technical faults the demo injects between the wearables and the server."""

    RADIO_OUT_OF_RANGE = "radio_out_of_range"  # wearables cannot reach the gateway
    NETWORK_DOWN = "network_down"  # gateway has no internet connection
    API_DOWN = "api_down"  # the ingest API refuses or times out
    GATEWAY_POWER_OFF = "gateway_power_off"  # gateway off (e.g. unplugged), then reboots


@dataclass(frozen=True, slots=True)
class FaultWindow:
    """One fault: starts ``start_offset_s`` after the run starts, lasts ``duration_s``.

    A negative offset places the fault before the run, in the history the demo
    back-fills.
    """

    start_offset_s: float
    duration_s: float
    kind: FaultKind


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named participant template."""

    name: str
    description: str
    heart: HeartParams = field(default_factory=HeartParams)
    glucose: GlucoseParams = field(default_factory=GlucoseParams)
    faults: tuple[FaultWindow, ...] = ()
    mood: MoodParams = field(default_factory=MoodParams)


#: Well-controlled T2D on metformin: no hypoglycaemic drug, modest excursions.
_CONTROLLED = GlucoseParams(basal_glucose_mg_dl=120.0, beta_cell_gain_uU_ml_per_mg_dl=0.3)

#: The same on metformin plus a morning sulfonylurea (glimepiride-like, peak 3 h after
#: the dose), the usual second-line drug in Korea (KDA 2023 guideline); at this dose
#: it lowers daytime glucose without hypoglycaemia.
_CONTROLLED_SU = replace(
    _CONTROLLED,
    sulfonylurea=Medication(peak_uU_ml=10.0, dose_h=7.5, time_to_peak_min=180.0, shape=2.0),
)

_HEALTHY = Scenario(
    "healthy",
    "Sinus rhythm with normal variability and occasional ectopic beats; T2D well "
    "controlled on metformin. No clinical rule should fire.",
    glucose=_CONTROLLED,
)

_PAROXYSMAL_AF = Scenario(
    "paroxysmal_af",
    "Two AF episodes a day of 20-90 min (ventricular rate 95-125 bpm, RR CV 20%): "
    "af_burden (>= 5 min AF in an hour) fires.",
    heart=HeartParams(
        af=EpisodeSpec(per_day=2, duration_min=(20.0, 90.0), level=(95.0, 125.0)),
        ectopic_per_hour=6.0,
    ),
    glucose=_CONTROLLED,
)

_BRADYCARDIA = Scenario(
    "bradycardia",
    "Two bradycardia episodes a day, 15-40 min at 37-45 bpm (sinus node dysfunction): "
    "bradycardia (< 50 bpm >= 10 min; < 40 HIGH) fires.",
    heart=HeartParams(
        resting_hr_bpm=58.0,
        bradycardia=EpisodeSpec(per_day=2, duration_min=(15.0, 40.0), level=(37.0, 45.0)),
    ),
    glucose=_CONTROLLED_SU,
)

_TACHYCARDIA = Scenario(
    "tachycardia",
    "Two tachycardia episodes a day, 15-30 min at 128-158 bpm during waking hours: "
    "tachycardia (> 120 bpm >= 10 min; > 150 HIGH) fires.",
    heart=HeartParams(
        resting_hr_bpm=74.0,
        tachycardia=EpisodeSpec(
            per_day=2, duration_min=(15.0, 30.0), level=(128.0, 158.0), onset_h=(8.0, 21.0)
        ),
    ),
    glucose=_CONTROLLED_SU,
)

_NOCTURNAL_HYPO = Scenario(
    "nocturnal_hypo",
    "Bedtime NPH insulin (22:00) dosed too high: glucose falls below 70 and 54 mg/dL "
    "between about 00:30 and 05:00, and below the sensor's 40 mg/dL floor, so the CGM "
    "reports LOW for a while (hypo_level1 and hypo_level2 fire).",
    # Peak 120 uU/mL takes blood glucose to ~40 mg/dL at the nadir despite the
    # counter-regulation term, so sensor LOW readings occur on most nights.
    glucose=GlucoseParams(
        basal_insulin=Medication(peak_uU_ml=120.0, dose_h=22.0, time_to_peak_min=240.0, shape=4.0)
    ),
)

_HYPERGLYCAEMIA = Scenario(
    "hyperglycaemia",
    "Poorly controlled T2D with missed medication: high fasting glucose, insulin "
    "resistance, carb-rich meals; above 250 mg/dL for hours (hyper_prolonged fires).",
    glucose=GlucoseParams(
        basal_glucose_mg_dl=180.0,
        glucose_effectiveness_per_min=0.009,
        insulin_sensitivity=1.5e-4,
        beta_cell_gain_uU_ml_per_mg_dl=0.12,
        meals=MealPlan(carbs_g=(55.0, 70.0, 70.0)),
    ),
)

_NOISY_SENSOR = Scenario(
    "noisy_sensor",
    "Ordinary physiology but poor sensors: the HR strap often loses contact and misses "
    "or adds beats, and the CGM is noisy, drops readings and has signal gaps "
    "(data-quality signals, stale CGM).",
    heart=HeartParams(
        contact_loss=EpisodeSpec(per_day=8, duration_min=(2.0, 15.0), onset_h=(0.0, 24.0)),
        missed_beats_per_hour=30.0,
        extra_beats_per_hour=10.0,
    ),
    glucose=GlucoseParams(
        basal_glucose_mg_dl=120.0,
        cgm=CgmParams(
            noise_sd_mg_dl=14.0,
            gain_sd=0.06,
            dropout_rate=0.08,
            gaps=EpisodeSpec(per_day=2, duration_min=(20.0, 60.0), onset_h=(0.0, 24.0)),
        ),
    ),
)

_FREQUENT_ECTOPY = Scenario(
    "frequent_ectopy",
    "Sinus rhythm with frequent premature beats (~300/h, ~7% of beats; > 30/h counts "
    "as frequent, Lown grading): no rule should fire. A specificity stress test for AF "
    "detection (docs/clinical.md asks for specificity on ectopy-rich records).",
    heart=HeartParams(ectopic_per_hour=300.0),
    glucose=_CONTROLLED,
)

_LOW_MOOD = Scenario(
    "low_mood",
    "Ordinary physiology (T2D well controlled on metformin); mood declining over the "
    "weeks: weekly GDS-15 scores rise from about 3 to about 11, crossing the Korean "
    "cut-off of 8 (SGDS-K), so mood_screen fires (docs/checkins.md).",
    glucose=_CONTROLLED,
    mood=MoodParams(first_score=3.0, last_score=11.0, noise_sd=0.5),
)

_GATEWAY_OUTAGE = Scenario(
    "gateway_outage",
    "Ordinary physiology; the home link fails: wearables out of range for 40 min in the "
    "hour before the run (in the back-filled history), then for 20 min, the network "
    "down for 40 min, the API down for 15 min, a gateway power cut of 12 min. "
    "Readings must be buffered and back-filled, and technical alerts raised.",
    glucose=_CONTROLLED,
    faults=(
        # Before the run (negative offset): lies in the back-filled history, so that even
        # a short run shows a technical alert (retrospective: it ended 25 min before the
        # run). The demo's history builder renders a radio loss as a link that first
        # comes and goes at the edge of range, then is lost, then comes and goes again.
        FaultWindow(-65 * 60.0, 40 * 60.0, FaultKind.RADIO_OUT_OF_RANGE),
        # Offsets chosen so that each outage exceeds its technical alert threshold
        # (stale_device HR > 15 min, gateway_offline > 10 min; docs/clinical.md).
        FaultWindow(30 * 60.0, 20 * 60.0, FaultKind.RADIO_OUT_OF_RANGE),
        FaultWindow(90 * 60.0, 40 * 60.0, FaultKind.NETWORK_DOWN),
        FaultWindow(180 * 60.0, 15 * 60.0, FaultKind.API_DOWN),
        FaultWindow(240 * 60.0, 12 * 60.0, FaultKind.GATEWAY_POWER_OFF),
    ),
)

#: Registry of scenarios by name (read-only).
SCENARIOS: MappingProxyType[str, Scenario] = MappingProxyType(
    {
        s.name: s
        for s in (
            _HEALTHY,
            _PAROXYSMAL_AF,
            _BRADYCARDIA,
            _TACHYCARDIA,
            _NOCTURNAL_HYPO,
            _HYPERGLYCAEMIA,
            _NOISY_SENSOR,
            _GATEWAY_OUTAGE,
            _FREQUENT_ECTOPY,
            _LOW_MOOD,
        )
    }
)


def active_faults(faults: tuple[FaultWindow, ...], offset_s: float) -> frozenset[FaultKind]:
    """Return the fault kinds in force ``offset_s`` seconds after the run started.

    A window covers ``[start_offset_s, start_offset_s + duration_s)``.
    """
    return frozenset(
        f.kind for f in faults if f.start_offset_s <= offset_s < f.start_offset_s + f.duration_s
    )


def get_scenario(name: str) -> Scenario:
    """Return the scenario called ``name``.

    Raises
    ------
    UnknownScenarioError
        If no scenario has that name; the message lists the known names.
    """
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise UnknownScenarioError(f"unknown scenario {name!r}; expected one of: {known}") from None
