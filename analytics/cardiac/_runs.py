"""Runs of True in a boolean array (shared by rate and AF episodes)."""

from __future__ import annotations

import numpy as np

from analytics.cardiac._validate import BoolArray, IntArray


def true_runs(mask: BoolArray) -> tuple[IntArray, IntArray]:
    """Start indices and exclusive end indices of each maximal run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
