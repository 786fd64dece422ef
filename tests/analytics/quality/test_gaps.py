"""Gaps and stale streams."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from analytics.quality import QualityInputError, find_gaps, silent_s, stale_mask


def test_gap_between_samples_longer_than_the_limit() -> None:
    g = find_gaps([0.0, 60.0, 1000.0, 1060.0], 900.0)
    assert (g.start_s.tolist(), g.end_s.tolist()) == ([60.0], [1000.0])


def test_gap_of_exactly_the_limit_is_not_a_gap() -> None:
    assert find_gaps([0.0, 900.0], 900.0).start_s.size == 0


def test_leading_and_trailing_silence_count_against_the_span() -> None:
    g = find_gaps([1000.0, 1010.0], 900.0, span_start_s=0.0, span_end_s=3000.0)
    assert_allclose(g.duration_s, [1000.0, 1990.0])


def test_no_samples_make_the_whole_span_one_gap() -> None:
    g = find_gaps([], 900.0, span_start_s=0.0, span_end_s=1000.0)
    assert (g.start_s.tolist(), g.end_s.tolist()) == ([0.0], [1000.0])


def test_span_not_bracketing_the_samples_is_refused() -> None:
    with pytest.raises(QualityInputError, match="bracket"):
        find_gaps([10.0], 5.0, span_end_s=0.0)


def test_silence_is_infinite_for_a_stream_that_never_sent() -> None:
    assert silent_s([100.0, np.nan], 400.0).tolist() == [300.0, np.inf]


@pytest.mark.parametrize(("last", "stale"), [(0.0, False), (-1.0, True), (np.nan, True)])
def test_stale_strictly_past_the_limit(last: float, stale: bool) -> None:
    assert stale_mask([last], 900.0, 900.0).tolist() == [stale]


def test_stale_limits_per_stream() -> None:
    assert stale_mask([0.0, 0.0], 1000.0, [900.0, 1800.0]).tolist() == [True, False]


def test_non_positive_limit_is_refused() -> None:
    with pytest.raises(QualityInputError, match="limit_s"):
        stale_mask([0.0], 10.0, 0.0)
