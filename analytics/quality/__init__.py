"""Data quality: coverage per window, gaps and stale streams, contact, implausible jumps.

Pure numpy: times are float seconds since the Unix epoch (UTC), values carry their
units in their names. Used by analytics.rules for the coverage gate (docs/clinical.md
"Coverage") and by the dashboard's data-quality view.
"""

from analytics.quality.coverage import (
    Coverage,
    WindowGrid,
    beat_coverage,
    covered_before,
    covered_seconds,
    sample_coverage,
    window_grid,
)
from analytics.quality.errors import QualityInputError
from analytics.quality.gaps import Gaps, find_gaps, silent_s, stale_mask
from analytics.quality.plausibility import (
    GLUCOSE_MAX_RATE_MG_DL_PER_MIN,
    HR_MAX_RELATIVE_JUMP,
    contact_share,
    glucose_jumps,
    glucose_rate_mg_dl_per_min,
    hr_jumps,
    share_per_window,
)

__all__ = [
    "GLUCOSE_MAX_RATE_MG_DL_PER_MIN",
    "HR_MAX_RELATIVE_JUMP",
    "Coverage",
    "Gaps",
    "QualityInputError",
    "WindowGrid",
    "beat_coverage",
    "contact_share",
    "covered_before",
    "covered_seconds",
    "find_gaps",
    "glucose_jumps",
    "glucose_rate_mg_dl_per_min",
    "hr_jumps",
    "sample_coverage",
    "share_per_window",
    "silent_s",
    "stale_mask",
    "window_grid",
]
