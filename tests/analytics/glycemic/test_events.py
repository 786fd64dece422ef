"""Hypo/hyper episodes against iglu 4.3.0 episode_calculation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analytics.glycemic import EPISODE_TYPES, glucose_episodes
from analytics.glycemic.events import event_labels
from tests.analytics.glycemic.conftest import FIXTURES

GOLDEN_LEVELS = {
    ("hypo", "lv1"): "lv1_hypo",
    ("hypo", "lv2"): "lv2_hypo",
    ("hypo", "extended"): "ext_hypo",
    ("hyper", "lv1"): "lv1_hyper",
    ("hyper", "lv2"): "lv2_hyper",
    ("hypo", "lv1_excl"): "lv1_hypo_excl",
    ("hyper", "lv1_excl"): "lv1_hyper_excl",
}


def test_episode_list_matches_iglu(edge_subject: tuple[np.ndarray, np.ndarray]) -> None:
    golden = pd.read_csv(FIXTURES / "golden_iglu_episode_list_hall_1636-69-001.csv")
    report = glucose_episodes(*edge_subject, "EST")
    got = pd.DataFrame(
        {
            "episode_type": [e.episode_type for e in report.episodes],
            "segment": [e.segment for e in report.episodes],
            "start": [e.start.strftime("%Y-%m-%d %H:%M:%S") for e in report.episodes],
            "end": [e.end.strftime("%Y-%m-%d %H:%M:%S") for e in report.episodes],
            "n_grid_points": [e.n_points for e in report.episodes],
            "duration_min": [e.duration_min for e in report.episodes],
        }
    )
    keys = ["episode_type", "start"]
    got, golden = got.sort_values(keys).reset_index(drop=True), golden.sort_values(keys)
    pd.testing.assert_frame_equal(
        got, golden[got.columns].reset_index(drop=True), check_dtype=False
    )
    means = [
        e.mean_glucose_mg_dl
        for e in sorted(report.episodes, key=lambda e: (e.episode_type, e.start))
    ]
    assert_allclose(means, golden["mean_gl"], rtol=1e-9)


def test_episode_summary_matches_iglu(edge_subject: tuple[np.ndarray, np.ndarray]) -> None:
    golden = pd.read_csv(FIXTURES / "golden_iglu_episodes_hall_1636-69-001.csv")
    report = glucose_episodes(*edge_subject, "EST")
    for row in golden.itertuples():
        summary = report.summary[GOLDEN_LEVELS[(row.type, row.level)]]
        assert summary.total_episodes == row.total_episodes
        assert_allclose(summary.avg_ep_per_day, row.avg_ep_per_day, rtol=1e-9)
        assert_allclose(summary.avg_ep_duration_min, row.avg_ep_duration, rtol=1e-9)
        assert_allclose(summary.avg_ep_glucose_mg_dl, row.avg_ep_gl, rtol=1e-9, equal_nan=True)


def test_summary_has_every_episode_type(edge_subject: tuple[np.ndarray, np.ndarray]) -> None:
    assert tuple(glucose_episodes(*edge_subject, "EST").summary) == EPISODE_TYPES


def test_episode_needs_three_points_beyond_threshold() -> None:
    assert event_labels(np.array([0, 1, 1, 0, 0, 0], dtype=bool), 3, 3).max() == 0
    assert event_labels(np.array([0, 1, 1, 1, 0, 0, 0], dtype=bool), 3, 3).tolist() == [
        0,
        1,
        1,
        1,
        0,
        0,
        0,
    ]


def test_short_return_above_threshold_does_not_end_episode() -> None:
    beyond = np.array([1, 1, 1, 0, 0, 1, 1, 0, 0, 0], dtype=bool)
    assert event_labels(beyond, 3, 3).tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]


def test_level2_hypo_is_also_level1_but_not_exclusive() -> None:
    minutes = np.arange(0, 240, 5)
    glucose = np.where((minutes >= 60) & (minutes < 120), 50.0, 100.0)
    times = np.datetime64("2024-01-01T00:00") + minutes.astype("timedelta64[m]")
    kinds = [e.episode_type for e in glucose_episodes(times, glucose, "UTC").episodes]
    assert kinds == ["lv1_hypo", "lv2_hypo"]


@pytest.mark.parametrize(("value", "kind"), [(260.0, "lv2_hyper"), (200.0, "lv1_hyper_excl")])
def test_hyper_levels(value: float, kind: str) -> None:
    minutes = np.arange(0, 240, 5)
    glucose = np.where((minutes >= 60) & (minutes < 120), value, 100.0)
    times = np.datetime64("2024-01-01T00:00") + minutes.astype("timedelta64[m]")
    kinds = {e.episode_type for e in glucose_episodes(times, glucose, "UTC").episodes}
    assert kind in kinds
