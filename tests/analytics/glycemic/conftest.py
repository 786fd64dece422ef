"""Shared fixtures: the Hall 2018 CGM subset and iglu 4.3.0 golden values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hall_iglu"
EDGE_SUBJECT = "1636-69-001"  # 416-day gap; the AGP and episode golden files use it


@pytest.fixture(scope="session")
def hall() -> pd.DataFrame:
    """All readings; ``time`` is tz-aware EST (the golden values use tz = "EST")."""
    frame = pd.read_csv(FIXTURES / "example_data_hall.csv.gz", parse_dates=["time"])
    frame["time"] = frame["time"].dt.tz_localize("EST")
    return frame


@pytest.fixture(scope="session")
def golden_metrics() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "golden_iglu_example_data_hall.csv").set_index("id")


@pytest.fixture(scope="session")
def edge_subject(hall: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(UTC datetime64 times, glucose mg/dL) of subject 1636-69-001."""
    rows = hall[hall["id"] == EDGE_SUBJECT]
    return utc_datetime64(rows["time"]), rows["gl"].to_numpy(dtype=float)


def utc_datetime64(times: pd.Series) -> np.ndarray:
    """Aware pandas times -> numpy datetime64[ns] in UTC."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
