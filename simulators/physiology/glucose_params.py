"""Parameters of the glucose model of an older adult with type 2 diabetes."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulators.physiology._clock import SEOUL_UTC_OFFSET_S
from simulators.physiology.errors import ParameterError
from simulators.physiology.schedule import EpisodeSpec


def _default_exercise() -> EpisodeSpec:
    # The same count, durations and hours as HeartParams' default activity: both draw
    # from the shared ACTIVITY stream, so for one seed the walks that raise HR are the
    # walks that lower glucose. Extra insulin-independent clearance 0.0015-0.003 /min
    # while active (moderate exercise roughly doubles glucose uptake; Breton, J Diabetes
    # Sci Technol 2008;2:438).
    return EpisodeSpec(
        per_day=3, duration_min=(15.0, 45.0), level=(0.0015, 0.003), onset_h=(8.0, 19.0)
    )


def _no_gaps() -> EpisodeSpec:
    return EpisodeSpec()


@dataclass(frozen=True, slots=True)
class MealPlan:
    """Three meals a day with jitter (Korean older adults: rice-based, carb-rich meals).

    Attributes
    ----------
    times_h : tuple of float
        Nominal local meal times, hours.
    carbs_g : tuple of float
        Nominal carbohydrate per meal, grams.
    time_sd_min : float
        SD of the meal-time jitter, minutes.
    carbs_cv : float
        Coefficient of variation of meal carbohydrate.
    skip_probability : tuple of float
        Chance that each meal is skipped on a given day.
    """

    times_h: tuple[float, ...] = (7.5, 12.5, 18.5)
    carbs_g: tuple[float, ...] = (50.0, 60.0, 55.0)
    time_sd_min: float = 20.0
    carbs_cv: float = 0.2
    skip_probability: tuple[float, ...] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        sizes = {len(self.times_h), len(self.carbs_g), len(self.skip_probability)}
        if len(sizes) != 1:
            raise ParameterError(
                f"MealPlan: times_h, carbs_g, skip_probability must have equal lengths, "
                f"got {len(self.times_h)}, {len(self.carbs_g)}, {len(self.skip_probability)}"
            )
        if any(not 0.0 <= h < 24.0 for h in self.times_h) or any(c < 0 for c in self.carbs_g):
            raise ParameterError(f"MealPlan: expected hours in [0, 24) and carbs >= 0, got {self}")


@dataclass(frozen=True, slots=True)
class Medication:
    """A once-daily glucose-lowering drug, as a plasma-insulin-equivalent profile.

    The profile is ``peak_uU_ml * (t/tp)^(k-1) * exp(-(k-1)(t/tp - 1))`` after each dose
    (a gamma-shaped curve with maximum ``peak_uU_ml`` at ``tp`` minutes).

    Attributes
    ----------
    peak_uU_ml : float
        Peak insulin-equivalent increase, µU/mL; 0 disables the drug.
    dose_h : float
        Nominal local dosing time, hours.
    time_to_peak_min : float
        ``tp``. NPH insulin peaks 4-6 h after injection (Lepore et al., Diabetes
        2000;49:2142); sulfonylureas (glimepiride) 2-3 h after the dose.
    shape : float
        ``k`` (> 1); larger means a narrower peak.
    """

    peak_uU_ml: float = 0.0
    dose_h: float = 22.0
    time_to_peak_min: float = 270.0
    shape: float = 3.0

    def __post_init__(self) -> None:
        ok = self.peak_uU_ml >= 0 and self.time_to_peak_min > 0 and self.shape > 1
        if not (ok and 0.0 <= self.dose_h < 24.0):
            raise ParameterError(f"Medication: expected peak >= 0, tp > 0, k > 1, got {self}")


def _no_drug() -> Medication:
    return Medication()


@dataclass(frozen=True, slots=True)
class CgmParams:
    """CGM sensor settings.

    Attributes
    ----------
    period_s : int
        Sampling period (5 minutes, as Dexcom G6/G7 and FreeStyle Libre 3 report).
    noise_sd_mg_dl : float
        Standard deviation of the additive sensor noise (Breton & Kovatchev 2008 model,
        rescaled; their fitted noise has SD ~12 mg/dL).
    gain_sd, offset_sd_mg_dl, drift_sd_per_day : float
        Per-sensor-session calibration error: gain ~ N(1, gain_sd), offset ~ N(0,
        offset_sd), gain drift per day ~ N(0, drift_sd) (Facchinetti et al., IEEE TBME
        2014;61:620 model calibration error as a slowly drifting gain and offset).
    session_days : int
        Sensor wear duration (Dexcom G6/G7: 10 days).
    dropout_rate : float
        Share of single readings missing at random.
    gaps : EpisodeSpec
        Longer signal-loss periods per day (level unused).
    """

    period_s: int = 300
    noise_sd_mg_dl: float = 6.0
    gain_sd: float = 0.03
    offset_sd_mg_dl: float = 3.0
    drift_sd_per_day: float = 0.005
    session_days: int = 10
    dropout_rate: float = 0.01
    gaps: EpisodeSpec = field(default_factory=_no_gaps)

    def __post_init__(self) -> None:
        ok = 60 <= self.period_s <= 3600 and 0.0 <= self.dropout_rate < 1.0
        ok = ok and self.noise_sd_mg_dl >= 0 and self.session_days >= 1
        if not ok:
            raise ParameterError(
                f"CgmParams: expected period_s in [60, 3600], dropout_rate in [0, 1), "
                f"noise_sd_mg_dl >= 0, session_days >= 1; got {self}"
            )


def _default_meals() -> MealPlan:
    return MealPlan()


def _default_cgm() -> CgmParams:
    return CgmParams()


@dataclass(frozen=True, slots=True)
class GlucoseParams:
    """Physiology, behaviour, treatment and sensor of one participant.

    The physiology follows Bergman's minimal model (Bergman et al., Am J Physiol
    1979;236:E667) with a gut absorption curve from Hovorka et al. (Physiol Meas
    2004;25:905), a glucose-driven beta-cell secretion, and a first-order interstitial
    compartment (Rebrin et al., Am J Physiol 1999;277:E561).

    Attributes
    ----------
    basal_glucose_mg_dl : float
        ``G_b``: fasting glucose without drug effect (T2D: 110-200).
    glucose_effectiveness_per_min : float
        ``S_G`` (T2D minimal-model estimates ~0.01-0.02 /min; Bergman 1979 lists
        ~0.02-0.03 /min in non-diabetic subjects).
    insulin_sensitivity : float
        ``S_I``, /min per µU/mL (T2D ~1-3e-4; non-diabetic ~5-10e-4, Bergman 1979).
    insulin_action_rate_per_min : float
        ``p2``, rate of the remote insulin action (Bergman 1979: ~0.01-0.04 /min).
    beta_cell_gain_uU_ml_per_mg_dl : float
        Insulin secreted above basal per mg/dL above ``G_b`` (reduced in T2D).
    secretion_time_constant_min : float
        Lag of secretion behind glucose.
    body_weight_kg, distribution_volume_dl_per_kg, bioavailability, absorption_peak_min
        Meal appearance: ``Ra = D f t exp(-t/tmax) / (tmax^2 V)`` with f = 0.8 and
        tmax = 40-55 min for glucose drinks (Hovorka 2004; 60 min here for slower
        rice-based mixed meals), V_G = 1.88 dL/kg (Dalla Man et al., IEEE TBME
        2007;54:1740).
    dawn_rise : float
        Extra share of basal glucose production peaking at 06:00 (dawn phenomenon,
        Porcellati et al., Diabetes Care 2013;36:3860).
    counterregulation_per_min : float
        Glucose production added per mg/dL below 65 mg/dL (glucagon and adrenaline
        release begin near 65-70 mg/dL; Cryer, Diabetes 2008;57:3169).
    interstitial_lag_min : float
        Blood-to-interstitium time constant (5-15 min; Basu et al., Diabetes 2013).
    meals, sulfonylurea, basal_insulin, cgm : see their classes.
    exercise : EpisodeSpec
        Activity bouts; ``level`` is extra glucose clearance in 1/min. Bouts coincide
        with ``HeartParams.activity`` when the two specs share count, durations and
        onset hours (the defaults do).
    utc_offset_s : int
        Participant's local offset from UTC (Asia/Seoul, UTC+9).
    """

    basal_glucose_mg_dl: float = 130.0
    glucose_effectiveness_per_min: float = 0.012
    insulin_sensitivity: float = 3.0e-4
    insulin_action_rate_per_min: float = 0.02
    beta_cell_gain_uU_ml_per_mg_dl: float = 0.25
    secretion_time_constant_min: float = 30.0
    body_weight_kg: float = 62.0
    distribution_volume_dl_per_kg: float = 1.88
    bioavailability: float = 0.8
    absorption_peak_min: float = 60.0
    dawn_rise: float = 0.15
    counterregulation_per_min: float = 0.01
    interstitial_lag_min: float = 10.0
    meals: MealPlan = field(default_factory=_default_meals)
    exercise: EpisodeSpec = field(default_factory=_default_exercise)
    sulfonylurea: Medication = field(default_factory=_no_drug)
    basal_insulin: Medication = field(default_factory=_no_drug)
    cgm: CgmParams = field(default_factory=_default_cgm)
    utc_offset_s: int = SEOUL_UTC_OFFSET_S

    def __post_init__(self) -> None:
        positive = (
            "basal_glucose_mg_dl",
            "glucose_effectiveness_per_min",
            "insulin_action_rate_per_min",
            "secretion_time_constant_min",
            "body_weight_kg",
            "distribution_volume_dl_per_kg",
            "absorption_peak_min",
            "interstitial_lag_min",
        )
        bad = [name for name in positive if not getattr(self, name) > 0]
        if bad or self.insulin_sensitivity < 0 or not 0 < self.bioavailability <= 1:
            raise ParameterError(
                f"GlucoseParams: expected {', '.join(bad) or 'all rates'} > 0, "
                f"insulin_sensitivity >= 0, bioavailability in (0, 1]; got {self}"
            )
