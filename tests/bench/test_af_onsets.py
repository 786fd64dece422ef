"""bench.af's AF onsets for the latency study, strict (30 min clear) and loose (15 min)."""

from __future__ import annotations

import numpy as np

from bench.af import LOOSE_CLEAR_S, af_onsets


def _labels(
    spans_min: list[tuple[float, float]], total_min: float
) -> tuple[np.ndarray, np.ndarray]:
    """One beat a second for ``total_min`` minutes, AF inside each (start, end) span."""
    t = np.arange(1.0, total_min * 60.0 + 1.0)
    af = np.zeros(t.size, dtype=bool)
    for a, b in spans_min:
        af[(t > a * 60.0) & (t <= b * 60.0)] = True
    return af, t


def test_onsets_need_ten_minutes_of_af_after_the_clear_time() -> None:
    # AF at 40-55 min (qualifies), 75-95 (20 min after the first ended: loose only),
    # 130-135 (too short), 170-172 and 172.5-185 (one run: a 30-s gap merges them).
    af, t = _labels([(40, 55), (75, 95), (130, 135), (170, 172), (172.5, 185)], 200)
    strict = [round(s / 60) for s, _ in af_onsets(af, t)]
    loose = [round(s / 60) for s, _ in af_onsets(af, t, LOOSE_CLEAR_S)]
    assert strict == [40, 170]
    assert loose == [40, 75, 170]


def test_an_onset_needs_its_whole_clear_time_inside_the_record() -> None:
    af, t = _labels([(20, 40)], 60)
    assert af_onsets(af, t) == []
    assert [round(s / 60) for s, _ in af_onsets(af, t, LOOSE_CLEAR_S)] == [20]
