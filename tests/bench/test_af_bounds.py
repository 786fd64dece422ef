"""bench.af's optimistic per-source bounds and its list of records holding the errors."""

from __future__ import annotations

import numpy as np
import pytest

from bench.af import Data, error_records, own_cutoff_bounds


def _data() -> tuple[Data, np.ndarray]:
    """afdb: 100 AF beats scored 1..100, 100 non-AF scored -99..0 except two at 50 and 60.

    ltafdb: two records; AF beats scored 1..100 and non-AF beats -99..0 plus, in record
    "b", 10 non-AF beats at 200. CinC: 40 normal records (median -40..-1) and 10 AF
    records (medians 5, 6, ..., 14) of three intervals each.
    """
    names, sources, labels, scores, af = [], [], [], [], []

    def add(src: str, name: str, z: np.ndarray, ref: np.ndarray, label: str = "") -> None:
        sources.append(src)
        names.append(name)
        labels.append(label)
        scores.append(z)
        af.append(ref)

    non = np.arange(-99.0, 1.0)
    non[:2] = (50.0, 60.0)
    add("afdb", "x", np.concatenate([np.arange(1.0, 101.0), non]), np.arange(200) < 100)
    add("ltafdb", "a", np.arange(-99.0, 101.0), np.arange(-99, 101) > 0)
    add("ltafdb", "b", np.full(10, 200.0), np.zeros(10, dtype=bool))
    for k in range(40):
        add("cinc", f"n{k}", np.full(3, -40.0 + k), np.zeros(3, dtype=bool), "N")
    for k in range(10):
        add("cinc", f"f{k}", np.full(3, 5.0 + k), np.ones(3, dtype=bool), "A")
    z = np.concatenate(scores)
    start = np.concatenate([[0], np.cumsum([s.size for s in scores])]).astype(np.int64)
    d = Data(
        np.array(sources), np.array(names), np.array(labels), start,
        np.full(z.size, 800.0), np.concatenate(af),
    )  # fmt: skip
    return d, z


def test_bounds_are_read_off_each_source_s_own_scores() -> None:
    d, z = _data()
    b = own_cutoff_bounds(d, z)
    # afdb: the 98th percentile of the non-AF scores lies between 0 and 50, so the
    # two non-AF beats at 50 and 60 are the 2 %, and every AF beat scores above it.
    assert b["afdb_se_at_sp98"] == 1.0
    # ltafdb: the cut-off under which 5 % of AF beats lie is 5.95; every non-AF beat of
    # "a" lies under it, and the 10 of "b" above: 100 of 110.
    assert b["ltafdb_sp_at_se95"] == pytest.approx(100 / 110)
    # CinC: 97 % of normal records lie under -1.x, and every AF record above it.
    assert b["cinc_se_at_sp_normal97"] == 1.0


def test_a_worse_score_lowers_the_bound() -> None:
    d, z = _data()
    z = z.copy()
    z[:10] = -200.0  # ten afdb AF beats now score below every non-AF beat
    assert own_cutoff_bounds(d, z)["afdb_se_at_sp98"] == pytest.approx(0.9)


def test_error_records_name_the_records_holding_the_errors_largest_first() -> None:
    d, z = _data()
    assert error_records(d, z, "ltafdb", af=False) == [("b", 10)]
    assert error_records(d, z, "afdb", af=False) == [("x", 2)]
    assert error_records(d, z, "afdb", af=True) == []
