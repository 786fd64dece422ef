"""Parameter sets of each rule; their defaults are :mod:`analytics.clinical_constants`.

Each is a frozen dataclass carrying a ``version`` recorded on the findings it raises,
and validates itself on construction (raising :class:`ThresholdError`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from analytics.clinical_constants import (
    AF_BURDEN_LOOKBACK_MIN,
    AF_BURDEN_MIN,
    AF_MIN_EPISODE_S,
    BATTERY_CRITICAL_PCT,
    BATTERY_LOW_PCT,
    BRADY_HIGH_BPM,
    BRADY_MEDIUM_BPM,
    EVENT_END_DURATION_MIN,
    EVENT_MIN_DURATION_MIN,
    GATEWAY_OFFLINE_MIN,
    HYPER_PROLONGED_MIN,
    LOW_MG_DL,
    MIN_COVERAGE,
    PREDICTED_LOW_CONFIRM_READINGS,
    PREDICTED_LOW_WITHIN_MIN,
    STALE_CGM_MIN,
    STALE_HR_MIN,
    SUSTAINED_RATE_MIN,
    TACHY_HIGH_BPM,
    TACHY_MEDIUM_BPM,
    VERY_HIGH_MG_DL,
    WINDOW_S,
)
from analytics.rules.errors import ThresholdError

#: Version of every default rule parameter set (docs/clinical.md "Alerts", pilot start).
DEFAULT_VERSION = "1"


class RuleId(StrEnum):
    """Rule ids of docs/clinical.md "Alerts", plus the coverage gate's data-quality rule."""

    HYPO_LEVEL2 = "hypo_level2"
    HYPO_LEVEL1 = "hypo_level1"
    PREDICTED_LOW = "predicted_low"
    HYPER_PROLONGED = "hyper_prolonged"
    TACHYCARDIA = "tachycardia"
    BRADYCARDIA = "bradycardia"
    AF_BURDEN = "af_burden"
    STALE_DEVICE = "stale_device"
    GATEWAY_OFFLINE = "gateway_offline"
    BATTERY_LOW = "battery_low"
    LOW_COVERAGE = "low_coverage"


def _positive(obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            msg = f"{type(obj).__name__}.{name} should be a finite number > 0; got {value!r}"
            raise ThresholdError(msg)


def _version(obj: object) -> None:
    version = getattr(obj, "version", None)
    if not isinstance(version, str) or not version.strip():
        msg = f"{type(obj).__name__}.version should be a non-empty string; got {version!r}"
        raise ThresholdError(msg)


def _ordered(obj: object, low: str, high: str) -> None:
    if not getattr(obj, low) < getattr(obj, high):
        msg = f"{type(obj).__name__}: {low} should be below {high}; got {obj!r}"
        raise ThresholdError(msg)


@dataclass(frozen=True)
class GlucoseBelowRule:
    """``hypo_level1`` / ``hypo_level2``: glucose below a threshold for >= 15 min.

    Attributes
    ----------
    threshold_mg_dl : float
        Strict threshold: 70 (level 1) or 54 mg/dL (level 2), Battelino 2019 / ATTD.
    min_duration_min : float
        Minutes below to start an episode (15, ATTD consensus; Battelino 2023).
    end_duration_min : float
        Minutes back at or above the threshold that end it (15, same source).
    version : str
        Parameter-set version recorded on findings.
    """

    threshold_mg_dl: float
    min_duration_min: float = EVENT_MIN_DURATION_MIN
    end_duration_min: float = EVENT_END_DURATION_MIN
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "threshold_mg_dl", "min_duration_min", "end_duration_min")
        _version(self)


@dataclass(frozen=True)
class GlucoseAboveRule:
    """``hyper_prolonged``: glucose above 250 mg/dL for >= 2 h (docs/clinical.md).

    Attributes
    ----------
    threshold_mg_dl : float
        Strict threshold (250 mg/dL, level-2 hyperglycaemia, Battelino 2019).
    min_duration_min : float
        Minutes above to raise (120, docs/clinical.md "Alerts").
    end_duration_min : float
        Minutes back at or below that end it (15, ATTD episode definition).
    version : str
        Parameter-set version.
    """

    threshold_mg_dl: float = VERY_HIGH_MG_DL
    min_duration_min: float = HYPER_PROLONGED_MIN
    end_duration_min: float = EVENT_END_DURATION_MIN
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "threshold_mg_dl", "min_duration_min", "end_duration_min")
        _version(self)


@dataclass(frozen=True)
class PredictedLowRule:
    """``predicted_low``: forecast below 70 mg/dL within 30 min (docs/clinical.md).

    Attributes
    ----------
    threshold_mg_dl : float
        70 mg/dL, the level-1 hypoglycaemia threshold (Battelino 2019).
    within_min : int
        Look-ahead in minutes, a multiple of 5 up to 60 (30).
    confirm_readings : int
        Consecutive readings whose forecasts must agree (2): the newest below the
        threshold, the ones before within 10 mg/dL of it
        (:func:`analytics.glycemic.predicted_low`).
    version : str
        Parameter-set version.
    """

    threshold_mg_dl: float = LOW_MG_DL
    within_min: int = PREDICTED_LOW_WITHIN_MIN
    confirm_readings: int = PREDICTED_LOW_CONFIRM_READINGS
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "threshold_mg_dl", "within_min", "confirm_readings")
        if not isinstance(self.confirm_readings, int) or self.confirm_readings > 6:
            msg = (
                "PredictedLowRule.confirm_readings should be a whole number of readings, "
                f"1 to 6; got {self.confirm_readings!r}"
            )
            raise ThresholdError(msg)
        if self.within_min % 5 or self.within_min > 60:
            msg = f"PredictedLowRule.within_min should be 5, 10, ..., 60; got {self.within_min!r}"
            raise ThresholdError(msg)
        _version(self)


@dataclass(frozen=True)
class TachycardiaRule:
    """``tachycardia``: HR > 120 bpm for >= 10 min MEDIUM, > 150 HIGH (docs/clinical.md).

    Attributes
    ----------
    medium_bpm, high_bpm : float
        Strict thresholds for MEDIUM and HIGH (120 and 150 bpm).
    min_duration_min : float
        How long the condition must hold (10 min).
    version : str
        Parameter-set version.
    """

    medium_bpm: float = TACHY_MEDIUM_BPM
    high_bpm: float = TACHY_HIGH_BPM
    min_duration_min: float = SUSTAINED_RATE_MIN
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "medium_bpm", "high_bpm", "min_duration_min")
        _ordered(self, "medium_bpm", "high_bpm")
        _version(self)


@dataclass(frozen=True)
class BradycardiaRule:
    """``bradycardia``: HR < 50 bpm for >= 10 min MEDIUM, < 40 HIGH (docs/clinical.md).

    Attributes
    ----------
    medium_bpm, high_bpm : float
        Strict thresholds for MEDIUM and HIGH (50 and 40 bpm).
    min_duration_min : float
        How long the condition must hold (10 min).
    version : str
        Parameter-set version.
    """

    medium_bpm: float = BRADY_MEDIUM_BPM
    high_bpm: float = BRADY_HIGH_BPM
    min_duration_min: float = SUSTAINED_RATE_MIN
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "medium_bpm", "high_bpm", "min_duration_min")
        _ordered(self, "high_bpm", "medium_bpm")
        _version(self)


@dataclass(frozen=True)
class AfBurdenRule:
    """``af_burden``: AF-like rhythm >= 5 min in the last hour, MEDIUM (docs/clinical.md).

    Attributes
    ----------
    min_burden_min : float
        Minutes of AF episodes in the look-back that raise the finding (5).
    lookback_min : float
        Look-back window (60 min).
    min_episode_s : float
        Only AF runs at least this long count (30 s; 2020 ESC AF guidelines,
        analytics.cardiac.episodes).
    min_confidence : float
        A beat is AF-like when ``analytics.cardiac.detect_af_proba`` is at least this
        (0.9; the detector's own cut-off is 0.5).
    peak_confidence : float
        An AF episode counts only when one of its beats reaches this probability
        (hysteresis; 0.9, so with the default ``min_confidence`` every beat does). Both
        were chosen with bench/af.py, replaying the rule as the alert worker runs it,
        with the out-of-fold detector of record-grouped cross-validation, over 27
        healthy (nsr2db) and 14 heart-failure (chf2db) 24-h recordings and over the AF
        onsets of 42 ltafdb records: 0.9 / 0.9 raised every onset within 8 min (median
        6) with 1 false alert in 39.3 participant-days (0.76 per 30); 0.6 / 0.9 and
        0.8 / 0.9 raised 2 (docs/detectors.md).
    version : str
        Parameter-set version.
    """

    min_burden_min: float = AF_BURDEN_MIN
    lookback_min: float = AF_BURDEN_LOOKBACK_MIN
    min_episode_s: float = AF_MIN_EPISODE_S
    min_confidence: float = 0.9
    peak_confidence: float = 0.9
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "min_burden_min", "lookback_min", "min_episode_s")
        for name in ("min_confidence", "peak_confidence"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                msg = f"af_burden {name} should be in (0, 1); got {value!r}"
                raise ThresholdError(msg)
        if self.peak_confidence < self.min_confidence:
            msg = (
                f"af_burden peak_confidence ({self.peak_confidence!r}) should be at least "
                f"min_confidence ({self.min_confidence!r})"
            )
            raise ThresholdError(msg)
        _ordered(self, "min_burden_min", "lookback_min")
        _version(self)


@dataclass(frozen=True)
class CoverageGateRule:
    """The coverage gate and its data-quality finding ``low_coverage`` (LOW, technical).

    Attributes
    ----------
    min_coverage : float
        Windows below this share of valid beats raise no rate or rhythm finding (0.8,
        docs/clinical.md "Coverage").
    window_min : float
        Gate window length (5 min, the HRV / alert window of docs/clinical.md).
    min_duration_min : float
        A run of under-covered windows (with some data) lasting at least this long is
        reported as ``low_coverage`` (10 min: the shortest rate rule, so any run long
        enough to hide a rate finding is reported; engineering choice).
    version : str
        Parameter-set version.
    """

    min_coverage: float = MIN_COVERAGE
    window_min: float = WINDOW_S / 60.0
    min_duration_min: float = SUSTAINED_RATE_MIN
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "min_coverage", "window_min", "min_duration_min")
        if self.min_coverage > 1:
            msg = f"CoverageGateRule.min_coverage should be a share <= 1; got {self.min_coverage}"
            raise ThresholdError(msg)
        _version(self)


@dataclass(frozen=True)
class StaleDeviceRule:
    """``stale_device``: no data from a device > 15 min (HR) / 30 min (CGM), LOW technical.

    Attributes
    ----------
    hr_limit_min, cgm_limit_min : float
        Allowed silence per device kind (15 and 30 min, docs/clinical.md).
    version : str
        Parameter-set version.
    """

    hr_limit_min: float = STALE_HR_MIN
    cgm_limit_min: float = STALE_CGM_MIN
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "hr_limit_min", "cgm_limit_min")
        _version(self)


@dataclass(frozen=True)
class GatewayOfflineRule:
    """``gateway_offline``: gateway heartbeat absent > 10 min, LOW technical.

    Attributes
    ----------
    limit_min : float
        Allowed heartbeat silence (10 min, docs/clinical.md).
    version : str
        Parameter-set version.
    """

    limit_min: float = GATEWAY_OFFLINE_MIN
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "limit_min")
        _version(self)


@dataclass(frozen=True)
class BatteryLowRule:
    """``battery_low``: battery < 20 % LOW, < 5 % MEDIUM, technical (docs/clinical.md).

    Attributes
    ----------
    low_pct, medium_pct : float
        Strict thresholds in percent (20 and 5).
    version : str
        Parameter-set version.
    """

    low_pct: float = BATTERY_LOW_PCT
    medium_pct: float = BATTERY_CRITICAL_PCT
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive(self, "low_pct", "medium_pct")
        _ordered(self, "medium_pct", "low_pct")
        _version(self)
