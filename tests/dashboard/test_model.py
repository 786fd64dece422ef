"""Business logic without Dash: triage filters and search, targets, severity marks."""

from __future__ import annotations

import datetime as dt

from dashboard.model import glucose as g
from dashboard.model.severity import MARKS, contrast_ratio
from dashboard.model.triage import filter_rows, parse_rows
from tests.dashboard import samples

NOW = samples.NOW


def _rows() -> list:
    return parse_rows(
        [
            samples.triage_item(
                "a", "김영희", alerts={"physiological": {"HIGH": 1}}, highest_priority="HIGH"
            ),
            samples.triage_item(
                "b", "박철수", alerts={"technical": {"LOW": 2}}, highest_priority="LOW"
            ),
            samples.triage_item(
                "c",
                "Lee Minho",
                last_reviewed_at=(NOW - dt.timedelta(hours=1)).isoformat(),
                last_reviewed_by="nurse1",
            ),
            # reviewed yesterday in Seoul (23:50 KST on the 5th = 14:50 UTC)
            samples.triage_item("d", "최지우", last_reviewed_at="2026-12-05T14:50:00+00:00"),
        ]
    )


def test_rows_keep_the_api_order_and_count_technical_alerts_apart() -> None:
    rows = _rows()
    assert [r.participant_id for r in rows] == ["a", "b", "c", "d"]
    assert rows[0].highest_priority == "HIGH"
    assert rows[0].open_alerts == {"HIGH": 1, "MEDIUM": 0, "LOW": 0}
    assert rows[1].open_alerts == {"HIGH": 0, "MEDIUM": 0, "LOW": 0}
    assert rows[1].open_technical == 2
    assert rows[0].tir == 72.0
    assert rows[0].sufficiency == 96.0


def test_filters_and_search() -> None:
    rows = _rows()
    assert [r.participant_id for r in filter_rows(rows, ["open_high"], None, NOW)] == ["a"]
    assert [r.participant_id for r in filter_rows(rows, ["technical"], None, NOW)] == ["b"]
    not_today = filter_rows(rows, ["not_reviewed_today"], None, NOW)
    assert [r.participant_id for r in not_today] == ["a", "b", "d"]
    assert [r.participant_id for r in filter_rows(rows, [], "lee", NOW)] == ["c"]
    assert [r.participant_id for r in filter_rows(rows, [], "영희", NOW)] == ["a"]
    assert filter_rows(rows, ["open_high", "technical"], None, NOW) == []


def test_older_adult_targets_from_the_consensus() -> None:
    summary = g.summary_from_metrics(
        {
            "in_range_70_180": 50.0,
            "below_70": 0.9,
            "above_250": 10.0,
            "cv": 36.0,
            "mean": 154.0,
            "active_percent": 69.9,
        }
    )
    checks = {c.target.key: c.met for c in g.check_targets(summary)}
    # TIR must be > 50 (50 misses), TBR < 1 (0.9 meets), TAR250 < 10 (10 misses), CV <= 36.
    assert checks == {"tir": False, "tbr70": True, "tar250": False, "cv": True}
    assert summary.gmi == 3.31 + 0.02392 * 154.0
    assert summary.insufficient  # 69.9% < 70%
    assert not g.summary_from_metrics({"active_percent": 70.0}).insufficient


def test_severity_marks_differ_in_shape_and_meet_contrast() -> None:
    shapes = {m.plotly_symbol for m in MARKS.values()}
    glyphs = {m.glyph for m in MARKS.values()}
    assert len(shapes) == len(glyphs) == len(MARKS)
    for mark in MARKS.values():
        assert contrast_ratio("#FFFFFF", mark.colour) >= 4.5, mark


def test_contrast_ratio_reference_values() -> None:
    # WCAG 2.1: black on white is 21:1; #767676 on white is the classic 4.54:1.
    assert round(contrast_ratio("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast_ratio("#767676", "#FFFFFF"), 2) == 4.54


def test_heart_window_hrv_and_af_share_per_five_minutes() -> None:
    import numpy as np

    from dashboard.model.heart import analyse_rr

    rng = np.random.default_rng(7)
    start = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    sinus = 800 + 15 * rng.standard_normal(2000)
    irregular = rng.uniform(400, 1200, 2000)
    rr = np.concatenate([sinus, irregular])
    ends = start + np.cumsum(rr) * dt.timedelta(milliseconds=1)
    window = analyse_rr(list(ends), [float(v) for v in rr])
    shares = [s for s in window.af_share.values if s is not None]
    # The sinus half is read as not AF, the irregular half as AF-like.
    assert shares[0] < 5.0
    assert shares[-1] > 90.0
    rmssd = [v for v in window.rmssd.values if v is not None]
    assert 15.0 < rmssd[0] < 30.0  # sqrt(2) * 15 ms for white noise ~ 21 ms
    assert len(window.rr_ms) == 4000


def test_heart_window_starting_on_a_window_boundary() -> None:
    from dashboard.model.heart import analyse_rr

    # The first beat closes exactly on a 5-minute boundary: its interval began before it.
    start = dt.datetime(2026, 12, 6, 0, 5, tzinfo=dt.UTC)
    rr = [850.0] * 600
    times = [start + dt.timedelta(milliseconds=850 * i) for i in range(600)]
    window = analyse_rr(times, rr)
    assert window.rmssd.times[0] == dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC)
