"""Test helpers: run lengths and HRV measures, written independently of the library."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: 2026-01-01T00:00:00+09:00 (local midnight in Seoul), as UTC epoch seconds.
SEOUL_MIDNIGHT_S = 1_767_193_200.0
DAY_S = 86_400.0


def longest_run_s(time_s: FloatArray, condition: BoolArray, max_step_s: float) -> float:
    """Longest span from first to last sample of a run where ``condition`` holds.

    A run is broken by a sample where the condition fails or by a step longer than
    ``max_step_s`` between consecutive samples.
    """
    if time_s.size == 0:
        return 0.0
    joined = np.diff(time_s) <= max_step_s
    # A new run starts at every true sample not joined to a true predecessor.
    starts = condition & ~np.concatenate([[False], joined & condition[:-1]])
    member_run = np.cumsum(starts)[condition]
    member_time = time_s[condition]
    if member_time.size == 0:
        return 0.0
    first = np.flatnonzero(np.diff(member_run, prepend=-1))
    last = np.append(first[1:] - 1, member_time.size - 1)
    return float(np.max(member_time[last] - member_time[first]))


def rmssd_ms(rr_ms: FloatArray) -> float:
    """Root mean square of successive RR differences (Task Force 1996)."""
    return float(np.sqrt(np.mean(np.diff(rr_ms) ** 2)))


def local_hours(time_s: FloatArray) -> FloatArray:
    """Local Seoul clock hour of epoch seconds."""
    return np.asarray(np.mod(time_s + 9 * 3600, DAY_S) / 3600.0)
