"""Cardiac analytics: RR cleaning, HRV, sustained rate episodes and AF detection.

All functions are pure: RR intervals in milliseconds (and optionally beat times in
seconds) in, numpy arrays or frozen dataclasses out. The stable contract is
``detect_af(rr_ms) -> numpy bool array`` (docs/architecture.md "Stable contracts"),
with ``detect_af_proba(rr_ms)`` giving the confidence per interval and ``MONITORING``
the detector settings for continuous recordings (``detect_af(rr, params=MONITORING)``).
"""

from analytics.cardiac.af import (
    MONITORING,
    AFDetectorParams,
    af_score,
    detect_af,
    detect_af_proba,
)
from analytics.cardiac.entropy import sample_entropy
from analytics.cardiac.episodes import AFBurden, AFEpisode, af_burden, af_episodes
from analytics.cardiac.hrv import HRVWindows, hrv_by_group, hrv_windows
from analytics.cardiac.rate import (
    RateEpisode,
    RateKind,
    RateThresholds,
    detect_rate_episodes,
    hr_from_rr,
)
from analytics.cardiac.rr import (
    CleanRR,
    WindowCoverage,
    artefact_mask,
    clean_rr,
    window_coverage,
)

__all__ = [
    "MONITORING",
    "AFBurden",
    "AFDetectorParams",
    "AFEpisode",
    "CleanRR",
    "HRVWindows",
    "RateEpisode",
    "RateKind",
    "RateThresholds",
    "WindowCoverage",
    "af_burden",
    "af_episodes",
    "af_score",
    "artefact_mask",
    "clean_rr",
    "detect_af",
    "detect_af_proba",
    "detect_rate_episodes",
    "hr_from_rr",
    "hrv_by_group",
    "hrv_windows",
    "sample_entropy",
    "window_coverage",
]
