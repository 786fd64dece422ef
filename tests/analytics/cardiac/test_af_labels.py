"""analytics.cardiac._af_labels: the bounded novelty search refined where it matters."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.cardiac import AFDetectorParams
from analytics.cardiac._af_labels import refine_nearest
from analytics.cardiac._af_stats import nearest_pattern_ms


@pytest.mark.parametrize("seed", range(6))
def test_refined_nearest_is_exact_at_the_needed_beats(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rr = rng.uniform(400, 1000, 3000)
    params = AFDetectorParams()
    needed = np.zeros(rr.size, dtype=bool)
    for start in rng.integers(0, rr.size, 4):  # a few stretches, some at the ends
        needed[start : start + int(rng.integers(1, 200))] = True
    needed[: int(rng.integers(0, 3))] = True
    needed[rr.size - int(rng.integers(0, 3)) :] = True
    upper = np.full(rr.size, np.inf)
    refined = refine_nearest(rr, upper, needed, params)
    np.testing.assert_array_equal(refined[needed], nearest_pattern_ms(rr, params)[needed])


def test_a_shorter_search_bounds_the_nearest_distance_from_above() -> None:
    rr = np.random.default_rng(7).uniform(400, 1000, 2000)
    full = nearest_pattern_ms(rr, AFDetectorParams())
    short = nearest_pattern_ms(rr, AFDetectorParams(novelty_half_beats=4))
    assert (short >= full).all()
    assert (short > full).any()
