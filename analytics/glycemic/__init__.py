"""Glycaemic analytics: iglu-exact CGM metrics, AGP, episodes and a 30-min forecast.

All functions are pure: one subject's reading times (timezone-aware datetimes, or
numpy datetime64 in UTC) and glucose in mg/dL in, numbers or frozen dataclasses out.
Sensor LOW/HIGH readings are glucose, not gaps: pass stored readings through
:func:`uncensor` (LOW -> 39, HIGH -> 401 mg/dL) before any of these functions.
"""

from analytics.glycemic.agp import (
    AGP_PERCENTILES,
    AgpProfile,
    DataSufficiency,
    agp_percentiles,
    data_sufficiency,
)
from analytics.glycemic.censoring import HIGH_MG_DL, LOW_MG_DL, uncensor
from analytics.glycemic.events import (
    EPISODE_TYPES,
    Episode,
    EpisodeReport,
    EpisodeSummary,
    EpisodeThresholds,
    glucose_episodes,
)
from analytics.glycemic.forecast import forecast
from analytics.glycemic.grid import DayGrid, cgm_day_grid
from analytics.glycemic.metrics import METRIC_KEYS, cgm_metrics
from analytics.glycemic.predicted_low import (
    PredictedLowFinding,
    PredictedLowResult,
    predicted_low,
)

__all__ = [
    "AGP_PERCENTILES",
    "EPISODE_TYPES",
    "HIGH_MG_DL",
    "LOW_MG_DL",
    "METRIC_KEYS",
    "AgpProfile",
    "DataSufficiency",
    "DayGrid",
    "Episode",
    "EpisodeReport",
    "EpisodeSummary",
    "EpisodeThresholds",
    "PredictedLowFinding",
    "PredictedLowResult",
    "agp_percentiles",
    "cgm_day_grid",
    "cgm_metrics",
    "data_sufficiency",
    "forecast",
    "glucose_episodes",
    "predicted_low",
    "uncensor",
]
