"""A virtual cohort of older adults in Seoul, each with a scenario and devices."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulators.physiology._seeding import Stream, derived_seed, rng_for
from simulators.physiology.errors import ParameterError
from simulators.physiology.glucose_params import GlucoseParams
from simulators.physiology.heart_params import HeartParams
from simulators.physiology.scenarios import SCENARIOS, FaultWindow, Scenario

#: The 25 autonomous districts (gu) of Seoul, (English, Korean), in the order of the
#: Seoul Metropolitan Government's district codes.
SEOUL_DISTRICTS: tuple[tuple[str, str], ...] = (
    ("Jongno-gu", "종로구"),
    ("Jung-gu", "중구"),
    ("Yongsan-gu", "용산구"),
    ("Seongdong-gu", "성동구"),
    ("Gwangjin-gu", "광진구"),
    ("Dongdaemun-gu", "동대문구"),
    ("Jungnang-gu", "중랑구"),
    ("Seongbuk-gu", "성북구"),
    ("Gangbuk-gu", "강북구"),
    ("Dobong-gu", "도봉구"),
    ("Nowon-gu", "노원구"),
    ("Eunpyeong-gu", "은평구"),
    ("Seodaemun-gu", "서대문구"),
    ("Mapo-gu", "마포구"),
    ("Yangcheon-gu", "양천구"),
    ("Gangseo-gu", "강서구"),
    ("Guro-gu", "구로구"),
    ("Geumcheon-gu", "금천구"),
    ("Yeongdeungpo-gu", "영등포구"),
    ("Dongjak-gu", "동작구"),
    ("Gwanak-gu", "관악구"),
    ("Seocho-gu", "서초구"),
    ("Gangnam-gu", "강남구"),
    ("Songpa-gu", "송파구"),
    ("Gangdong-gu", "강동구"),
)

#: Scenario of participant i is _MIX[i % 20]: for 20 participants 7 healthy, two of each
#: clinical risk, one with declining mood (low_mood, participant 7), one of each technical
#: scenario; any prefix mixes them early.
_MIX: tuple[str, ...] = (
    "healthy",
    "paroxysmal_af",
    "nocturnal_hypo",
    "bradycardia",
    "hyperglycaemia",
    "tachycardia",
    "low_mood",
    "noisy_sensor",
    "healthy",
    "gateway_outage",
    "healthy",
    "paroxysmal_af",
    "nocturnal_hypo",
    "healthy",
    "bradycardia",
    "hyperglycaemia",
    "healthy",
    "tachycardia",
    "healthy",
    "healthy",
)
#: Share of women among Koreans aged 65+ (~57%, Statistics Korea, 2023 Statistics on
#: the Aged).
_FEMALE_SHARE = 0.57
#: Pilot inclusion: older adults aged 65-90.
_AGE_RANGE_Y = (65, 90)
#: Body weight of Korean adults 65+, mean and SD by sex, kg (KNHANES-like; assumption).
_WEIGHT_KG = {"F": (56.0, 7.0), "M": (65.0, 8.0)}
#: Person-to-person spread of resting HR (SD, bpm) and of basal glucose (SD, mg/dL).
_RESTING_HR_SD_BPM, _BASAL_GLUCOSE_SD_MG_DL = 3.0, 6.0


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A virtual wearable: serial number, advertised BLE local name, BLE address.

    ``address`` is a random static device address (Bluetooth Core 5.4 Vol 6 Part B
    1.3.2.1: the two most significant bits are 1), written most significant byte first.
    """

    serial: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class ParticipantSpec:
    """One cohort member: identity, scenario, personalised models, devices."""

    participant_id: str
    seed: int
    scenario: Scenario
    heart: HeartParams
    glucose: GlucoseParams
    sex: str
    birth_year: int
    district: str
    district_ko: str
    hr_device: DeviceSpec
    cgm_device: DeviceSpec
    gateway_name: str

    @property
    def faults(self) -> tuple[FaultWindow, ...]:
        """The scenario's fault schedule."""
        return self.scenario.faults


def cohort(n: int, seed: int, reference_year: int = 2026) -> list[ParticipantSpec]:
    """Return ``n`` participants; participant ``i`` depends only on ``seed`` and ``i``.

    Parameters
    ----------
    n : int
        Cohort size, >= 0.
    seed : int
        Non-negative cohort seed.
    reference_year : int
        Year in which ages are 65-90 (explicit, so the cohort never depends on today).

    Returns
    -------
    list of ParticipantSpec
        Scenario mix as in ``_MIX``: with n = 20, 7 healthy, 2 of each clinical risk,
        one low_mood.
    """
    if n < 0 or seed < 0:
        raise ParameterError(f"expected n >= 0 and seed >= 0, got n={n}, seed={seed}")
    return [_participant(seed, i, reference_year) for i in range(n)]


def _participant(cohort_seed: int, index: int, reference_year: int) -> ParticipantSpec:
    rng = rng_for(cohort_seed, Stream.COHORT, index)
    scenario = SCENARIOS[_MIX[index % len(_MIX)]]
    sex = "F" if rng.uniform() < _FEMALE_SHARE else "M"
    age_y = int(rng.integers(_AGE_RANGE_Y[0], _AGE_RANGE_Y[1] + 1))
    district, district_ko = SEOUL_DISTRICTS[int(rng.integers(len(SEOUL_DISTRICTS)))]
    token = f"{int(rng.integers(16**4)):04X}"
    number = index + 1
    return ParticipantSpec(
        participant_id=f"P{number:03d}",
        seed=derived_seed(cohort_seed, Stream.COHORT, index),
        scenario=scenario,
        heart=_personal_heart(scenario.heart, rng),
        glucose=_personal_glucose(scenario.glucose, sex, rng),
        sex=sex,
        birth_year=reference_year - age_y,
        district=district,
        district_ko=district_ko,
        hr_device=DeviceSpec(
            f"WMHR-{number:03d}-{token}", f"WM HR {number:03d}", _static_address(rng)
        ),
        cgm_device=DeviceSpec(
            f"WMCG-{number:03d}-{token}", f"WM CGM {number:03d}", _static_address(rng)
        ),
        gateway_name=f"WM GW {number:03d}",
    )


def _static_address(rng: np.random.Generator) -> str:
    octets = rng.integers(0, 256, 6)
    octets[0] |= 0xC0  # random static address: top two bits set
    return ":".join(f"{int(o):02X}" for o in octets)


def _personal_heart(template: HeartParams, rng: np.random.Generator) -> HeartParams:
    shift_bpm = float(np.clip(rng.normal(0.0, _RESTING_HR_SD_BPM), -5.0, 5.0))
    return replace(template, resting_hr_bpm=template.resting_hr_bpm + shift_bpm)


def _personal_glucose(template: GlucoseParams, sex: str, rng: np.random.Generator) -> GlucoseParams:
    mean_kg, sd_kg = _WEIGHT_KG[sex]
    weight_kg = float(np.clip(rng.normal(mean_kg, sd_kg), mean_kg - 15.0, mean_kg + 15.0))
    shift = float(np.clip(rng.normal(0.0, _BASAL_GLUCOSE_SD_MG_DL), -10.0, 10.0))
    return replace(
        template,
        body_weight_kg=weight_kg,
        basal_glucose_mg_dl=template.basal_glucose_mg_dl + shift,
    )
