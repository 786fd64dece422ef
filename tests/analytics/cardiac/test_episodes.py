"""AF episodes (>= 30 s) and burden (percent, minutes in the last hour)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.cardiac import af_burden, af_episodes
from analytics.errors import CardiacInputError


def _labels(*runs: tuple[bool, int]) -> np.ndarray:
    return np.concatenate([np.full(n, v) for v, n in runs])


def test_run_of_forty_seconds_is_one_episode() -> None:
    lab = _labels((False, 100), (True, 40), (False, 100))
    (ep,) = af_episodes(lab, np.full(lab.size, 1000.0))
    assert (ep.start_index, ep.end_index) == (100, 140)
    assert (ep.onset_s, ep.end_s, ep.duration_s) == (100.0, 140.0, 40.0)


def test_run_shorter_than_thirty_seconds_is_not_an_episode() -> None:
    lab = _labels((False, 100), (True, 29), (False, 100))
    assert af_episodes(lab, np.full(lab.size, 1000.0)) == []


def test_duration_uses_interval_lengths_not_beat_counts() -> None:
    lab = _labels((True, 40))
    assert af_episodes(lab, np.full(40, 500.0)) == []  # 40 beats but only 20 s
    assert len(af_episodes(lab, np.full(40, 800.0))) == 1  # 32 s


def test_episode_times_follow_the_given_clock() -> None:
    lab = _labels((True, 60))
    times = 1_700_000_000.0 + np.arange(1.0, 61.0)
    (ep,) = af_episodes(lab, np.full(60, 1000.0), times_s=times)
    assert ep.onset_s == pytest.approx(1_700_000_000.0)


def test_burden_percent_and_last_hour_minutes() -> None:
    lab = _labels((False, 5400), (True, 600), (False, 1200))  # 2 h, 10 min AF 40-30 min ago
    burden = af_burden(lab, np.full(lab.size, 1000.0))
    assert burden.percent == pytest.approx(100 * 600 / 7200)
    assert burden.minutes_last_window == pytest.approx(10.0)
    assert burden.n_episodes == 1


def test_af_older_than_an_hour_is_outside_the_last_hour() -> None:
    lab = _labels((True, 600), (False, 3600))
    burden = af_burden(lab, np.full(lab.size, 1000.0))
    assert burden.minutes_last_window == 0.0
    assert burden.percent > 0


def test_episode_straddling_the_window_counts_its_recent_part() -> None:
    lab = _labels((True, 600), (False, 3300))  # AF ends 55 min before the last beat
    assert af_burden(lab, np.full(lab.size, 1000.0)).minutes_last_window == pytest.approx(5.0)


def test_short_runs_do_not_count_towards_burden() -> None:
    lab = np.tile(_labels((True, 20), (False, 20)), 50)
    burden = af_burden(lab, np.full(lab.size, 1000.0))
    assert (burden.percent, burden.n_episodes) == (0.0, 0)


def test_labels_must_match_rr_length() -> None:
    with pytest.raises(CardiacInputError, match="labels"):
        af_episodes(np.zeros(3, bool), [800.0] * 4)


def test_labels_must_be_boolean() -> None:
    with pytest.raises(CardiacInputError, match="bool"):
        af_burden(np.zeros(4), [800.0] * 4)
