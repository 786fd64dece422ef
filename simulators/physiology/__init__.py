"""Seeded physiology generators (heart beats, CGM) and named scenarios.

Every generator is pure and deterministic for a seed, works in UTC epoch seconds with
the participant's local time (Asia/Seoul) for meals and the circadian rhythm, and is
chunkable: generating an interval at once or in pieces gives identical values.
"""

from simulators.physiology._clock import SEOUL_UTC_OFFSET_S, epoch_s, local_day_start_s
from simulators.physiology.cgm import SENSOR_MAX_MG_DL, SENSOR_MIN_MG_DL, CgmFlag
from simulators.physiology.cohort import SEOUL_DISTRICTS, DeviceSpec, ParticipantSpec, cohort
from simulators.physiology.episodes import Episode, EpisodeKind
from simulators.physiology.errors import ParameterError, PhysiologyError, UnknownScenarioError
from simulators.physiology.feeds import BeatSample, CgmSample, cgm_feed, first_reading_s, heart_feed
from simulators.physiology.glucose import GlucoseModel, GlucoseTrace
from simulators.physiology.glucose_params import CgmParams, GlucoseParams, MealPlan, Medication
from simulators.physiology.heart import HeartModel, HeartTrace, Rhythm
from simulators.physiology.heart_params import HeartParams
from simulators.physiology.mood import MoodParams
from simulators.physiology.scenarios import (
    SCENARIOS,
    FaultKind,
    FaultWindow,
    Scenario,
    active_faults,
    get_scenario,
)
from simulators.physiology.schedule import EpisodeSpec

__all__ = [
    "SCENARIOS",
    "SENSOR_MAX_MG_DL",
    "SENSOR_MIN_MG_DL",
    "SEOUL_DISTRICTS",
    "SEOUL_UTC_OFFSET_S",
    "BeatSample",
    "CgmFlag",
    "CgmParams",
    "CgmSample",
    "DeviceSpec",
    "Episode",
    "EpisodeKind",
    "EpisodeSpec",
    "FaultKind",
    "FaultWindow",
    "GlucoseModel",
    "GlucoseParams",
    "GlucoseTrace",
    "HeartModel",
    "HeartParams",
    "HeartTrace",
    "MealPlan",
    "Medication",
    "MoodParams",
    "ParameterError",
    "ParticipantSpec",
    "PhysiologyError",
    "Rhythm",
    "Scenario",
    "UnknownScenarioError",
    "active_faults",
    "cgm_feed",
    "cohort",
    "epoch_s",
    "first_reading_s",
    "get_scenario",
    "heart_feed",
    "local_day_start_s",
]
