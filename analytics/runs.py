"""Runs of True in a boolean array, shared by the cardiac episode detectors and the rules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.intp]


def true_runs(mask: npt.NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """Start indices and exclusive end indices of each maximal run of True.

    Examples
    --------
    >>> starts, ends = true_runs(np.array([True, True, False, True]))
    >>> starts.tolist(), ends.tolist()
    ([0, 3], [2, 4])
    """
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
