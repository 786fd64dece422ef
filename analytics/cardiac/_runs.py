"""Runs of True in a boolean array (private helper shared by rate and AF episodes)."""

from __future__ import annotations

import numpy as np

from analytics.cardiac._validate import BoolArray, IntArray


def true_runs(mask: BoolArray) -> tuple[IntArray, IntArray]:
    """Start indices and exclusive end indices of each maximal run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def fill_short_false_runs(mask: BoolArray, max_len: int) -> BoolArray:
    """Set to True the runs of False of at most ``max_len`` elements lying between Trues."""
    starts, ends = true_runs(~mask)
    out = mask.copy()
    for s, e in zip(starts, ends, strict=True):
        if s > 0 and e < mask.size and e - s <= max_len:
            out[s:e] = True
    return out


def drop_short_true_runs(mask: BoolArray, min_len: int) -> BoolArray:
    """Set to False the runs of True shorter than ``min_len`` elements."""
    starts, ends = true_runs(mask)
    out = mask.copy()
    for s, e in zip(starts, ends, strict=True):
        if e - s < min_len:
            out[s:e] = False
    return out
