"""Shared fixtures: short real RR extracts from PhysioNet (tests/fixtures/cardiac_rr).

In-sample or not: the detector's model (:mod:`analytics.cardiac._af_model`) was fitted on
all ten afdb development records, 04746 and 04936 among them, and on 27 nsr2db records,
nsr001 among them. A test scoring those extracts measures the detector on data it was
fitted on: its figures are in-sample and say nothing about new patients (``python -m
bench.af`` reports record-grouped cross-validated figures). mitdb 100 played no part in
fitting.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cardiac_rr"


def load_extract(name: str) -> tuple[np.ndarray, np.ndarray]:
    """RR intervals (ms) and the bool AFIB truth of one fixture file."""
    with np.load(FIXTURES / f"{name}.npz", allow_pickle=False) as z:
        return z["rr_ms"], z["rhythm"] == "(AFIB"


@pytest.fixture(scope="session")
def af_extract_04746() -> tuple[np.ndarray, np.ndarray]:
    """afdb 04746, two stretches: IN-SAMPLE (a record the model was fitted on)."""
    rr_a, y_a = load_extract("afdb_04746_8000_12500")
    rr_b, y_b = load_extract("afdb_04746_39500_42500")
    return np.concatenate((rr_a, rr_b)), np.concatenate((y_a, y_b))


@pytest.fixture(scope="session")
def af_extract_04936() -> tuple[np.ndarray, np.ndarray]:
    """afdb 04936, short AF episodes: IN-SAMPLE (a record the model was fitted on)."""
    return load_extract("afdb_04936_0_7000")


@pytest.fixture(scope="session")
def nsr001_extract() -> np.ndarray:
    """nsr2db nsr001, two hours of sinus rhythm: IN-SAMPLE (a record the model was fitted on)."""
    return load_extract("nsr2db_nsr001_13h30_15h30")[0]


@pytest.fixture(scope="session")
def mitdb100() -> np.ndarray:
    """mitdb 100, sinus rhythm with atrial ectopy: out of sample (not used in fitting)."""
    return load_extract("mitdb_100")[0]
