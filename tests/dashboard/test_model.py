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
            samples.triage_item("a", "김영희", open_alerts={"HIGH": 1}, tbr54=3.0),
            samples.triage_item("b", "박철수", open_technical=2),
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


def test_rows_keep_the_api_order() -> None:
    assert [r.participant_id for r in _rows()] == ["a", "b", "c", "d"]
    assert _rows()[0].highest_priority == "HIGH"


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
