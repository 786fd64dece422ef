"""Ground-truth glycaemic events from true plasma glucose (ATTD consensus rules).

Battelino et al., Diabetes Care 2019 (docs/clinical.md "Events"): a level-1 (< 70
mg/dL) or level-2 (< 54 mg/dL) hypoglycaemic event counts when glucose stays below the
threshold for >= 15 minutes and ends after >= 15 minutes back at or above it; level-2
hyperglycaemia is > 250 mg/dL, here with the same 15-minute rules.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from analytics.clinical_constants import (
    EVENT_MIN_DURATION_MIN,
    LOW_MG_DL,
    VERY_HIGH_MG_DL,
    VERY_LOW_MG_DL,
)
from simulators.physiology._clock import FloatArray
from simulators.physiology.episodes import Episode, EpisodeKind

#: Minimum duration to start and to end an event, s (ATTD consensus, Battelino 2019).
EVENT_MIN_S = 60.0 * EVENT_MIN_DURATION_MIN
#: The simulator's ground truth uses the analytics' clinical cut-offs (mg/dL): below
#: for hypo, above for hyper.
_RULES = (
    (EpisodeKind.HYPO_LEVEL1, LOW_MG_DL, True),
    (EpisodeKind.HYPO_LEVEL2, VERY_LOW_MG_DL, True),
    (EpisodeKind.HYPER_LEVEL2, VERY_HIGH_MG_DL, False),
)


def glycaemic_events(time_s: FloatArray, glucose_mg_dl: FloatArray) -> tuple[Episode, ...]:
    """Return hypo- and hyperglycaemic events on a regular grid, sorted by start.

    Parameters
    ----------
    time_s : numpy.ndarray
        Regular, increasing sample times (UTC epoch seconds).
    glucose_mg_dl : numpy.ndarray
        Glucose at those times (no missing values).

    Returns
    -------
    tuple of Episode
        ``level`` is the extreme glucose of the event; ``end_s`` is the last sample
        beyond the threshold before the 15-minute recovery.
    """
    found: list[Episode] = []
    for kind, threshold, below in _RULES:
        beyond = glucose_mg_dl < threshold if below else glucose_mg_dl > threshold
        for first, last in _events(time_s, beyond):
            part = glucose_mg_dl[first : last + 1]
            extreme = float(part.min() if below else part.max())
            found.append(Episode(kind, float(time_s[first]), float(time_s[last]), extreme))
    return tuple(sorted(found, key=lambda e: (e.start_s, e.kind)))


def _events(time_s: FloatArray, beyond: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Index pairs (first, last) of events: runs >= 15 min, merged across short recoveries."""
    runs = _runs(beyond)
    merged: list[tuple[int, int]] = []
    for first, last in runs:
        recovered_s = time_s[first] - time_s[merged[-1][1]] if merged else np.inf
        if merged and recovered_s <= EVENT_MIN_S:
            merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    step_s = float(time_s[1] - time_s[0]) if time_s.size > 1 else 0.0
    return [(a, b) for a, b in merged if time_s[b] - time_s[a] + step_s >= EVENT_MIN_S]


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), stops.tolist(), strict=True))
