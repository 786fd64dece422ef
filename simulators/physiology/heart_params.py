"""Parameters of the beat-by-beat heart model of an older adult."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulators.physiology._clock import SEOUL_UTC_OFFSET_S
from simulators.physiology.errors import ParameterError
from simulators.physiology.schedule import EpisodeSpec


def _no_episodes() -> EpisodeSpec:
    return EpisodeSpec()


def _default_activity() -> EpisodeSpec:
    # Daytime walks/chores raising HR by 15-30 bpm for 15-45 min: moderate activity in
    # older adults reaches ~50-60% of HR reserve (ACSM Guidelines, 11th ed., ch. 5).
    return EpisodeSpec(per_day=3, duration_min=(15.0, 45.0), level=(15.0, 30.0), onset_h=(8, 19))


def _default_contact_loss() -> EpisodeSpec:
    # A strap or patch briefly losing skin contact a couple of times a day (assumption
    # for the demo; level unused).
    return EpisodeSpec(per_day=2, duration_min=(1.0, 6.0), onset_h=(7.0, 22.0))


@dataclass(frozen=True, slots=True)
class HeartParams:
    """Physiology and sensor settings of one participant's heart.

    Variability amplitudes are given at a reference RR of 1000 ms and scale with
    ``(RR / 1000 ms) ** 2`` so that HRV falls as heart rate rises (the non-linear
    HRV-HR dependence of Monfredi et al., Hypertension 2014;64:1334). The defaults give
    5-minute medians of SDNN ~34 ms, RMSSD ~22 ms, pNN50 ~1% in the healthy cohort
    (bench/physiology.py), within the ranges reported for people in their 60s and 70s
    (Umetani et al., J Am Coll Cardiol 1998;31:593) and near nsr2db record nsr001.

    Attributes
    ----------
    resting_hr_bpm : float
        24-hour mean (cosinor MESOR) of sinus heart rate at rest.
    circadian_amplitude_bpm : float
        Cosinor amplitude; HR is lowest at ``circadian_nadir_h`` local time (ambulatory
        nocturnal HR dip ~5-10 bpm, Degaute et al., Hypertension 1991;18:199).
    circadian_nadir_h : float
        Local hour of the circadian HR minimum.
    rsa_amplitude_ms : float
        Respiratory sinus arrhythmia amplitude (HF band); ~RMSSD of the sinus rhythm.
        Older adults: RMSSD ~15-30 ms (Nunan et al., PACE 2010 normative review).
    respiration_hz : float
        Mean breathing rate (0.25 Hz = 15 breaths/min; Task Force 1996 HF band 0.15-0.4).
    lf_amplitude_ms : float
        Mayer-wave amplitude at ~0.1 Hz (LF band 0.04-0.15 Hz, Task Force 1996).
    vlf_sd_ms : float
        Standard deviation of the slow 1/f component (periods 1 min to 2 h).
    beat_jitter_ms : float
        White beat-time jitter (SD) on every beat.
    activity, af, bradycardia, tachycardia, contact_loss : EpisodeSpec
        Daily episode schedules. ``activity.level`` is an HR increase in bpm; ``af``,
        ``bradycardia``, ``tachycardia`` levels are the target mean HR in bpm.
    af_rr_cv : float
        Coefficient of variation of RR during AF (15-25% typical; Corino et al., IEEE
        TBME 2011;58:3386 report RR irregularity in that range).
    ectopic_per_hour : float
        Mean rate of premature beats with a full compensatory pause.
    missed_beats_per_hour, extra_beats_per_hour : float
        Sensor detection artefacts: a missed beat merges two RR intervals into one, an
        extra (false) detection splits one interval in two. Labelled
        ``Rhythm.ARTEFACT``; 0 for a clean sensor.
    sensor_average_beats : int
        Beats the sensor averages to report HR (running mean of RR intervals).
    utc_offset_s : int
        Participant's local offset from UTC (Asia/Seoul, UTC+9).
    """

    resting_hr_bpm: float = 66.0
    circadian_amplitude_bpm: float = 6.0
    circadian_nadir_h: float = 4.0
    rsa_amplitude_ms: float = 25.0
    respiration_hz: float = 0.25
    lf_amplitude_ms: float = 30.0
    vlf_sd_ms: float = 50.0
    beat_jitter_ms: float = 4.0
    activity: EpisodeSpec = field(default_factory=_default_activity)
    af: EpisodeSpec = field(default_factory=_no_episodes)
    af_rr_cv: float = 0.20
    bradycardia: EpisodeSpec = field(default_factory=_no_episodes)
    tachycardia: EpisodeSpec = field(default_factory=_no_episodes)
    contact_loss: EpisodeSpec = field(default_factory=_default_contact_loss)
    ectopic_per_hour: float = 2.0
    missed_beats_per_hour: float = 0.0
    extra_beats_per_hour: float = 0.0
    sensor_average_beats: int = 4
    utc_offset_s: int = SEOUL_UTC_OFFSET_S

    def __post_init__(self) -> None:
        _require(30.0 <= self.resting_hr_bpm <= 120.0, "resting_hr_bpm in [30, 120]", self)
        _require(
            0.0 <= self.circadian_amplitude_bpm < self.resting_hr_bpm - 25.0,
            "circadian_amplitude_bpm in [0, resting_hr_bpm - 25)",
            self,
        )
        _require(0.1 <= self.respiration_hz <= 0.5, "respiration_hz in [0.1, 0.5]", self)
        for name in ("rsa_amplitude_ms", "lf_amplitude_ms", "vlf_sd_ms", "beat_jitter_ms"):
            _require(0.0 <= getattr(self, name) <= 150.0, f"{name} in [0, 150]", self)
        _require(0.0 <= self.af_rr_cv <= 0.5, "af_rr_cv in [0, 0.5]", self)
        for name in ("ectopic_per_hour", "missed_beats_per_hour", "extra_beats_per_hour"):
            _require(0.0 <= getattr(self, name) <= 600.0, f"{name} in [0, 600]", self)
        _require(1 <= self.sensor_average_beats <= 32, "sensor_average_beats in [1, 32]", self)
        for name in ("af", "bradycardia", "tachycardia"):
            spec: EpisodeSpec = getattr(self, name)
            ok = spec.per_day == 0 or 25.0 <= spec.level[0] <= spec.level[1] <= 220.0
            _require(ok, f"{name}.level (target HR) within [25, 220] bpm", self)


def _require(ok: bool, expected: str, params: HeartParams) -> None:
    if not ok:
        raise ParameterError(f"HeartParams: expected {expected}; got {params!r}")
