"""The GDS-15 score trend on the participant page: scores, cut-off line, positive marks."""

from __future__ import annotations

import datetime as dt

from dashboard.figures.wellbeing import gds_trend_figure
from dashboard.i18n import Translator
from dashboard.model.participant import parse_mood, parse_participant
from tests.dashboard import samples

KO, EN = Translator("ko"), Translator("en")
T0 = dt.datetime(2026, 11, 15, 9, 0, tzinfo=dt.UTC)


def _checkin(week: int, score: int | None, instrument: str = "gds15") -> dict[str, object]:
    return {
        "completed_at": (T0 + dt.timedelta(weeks=week)).isoformat(),
        "instrument": instrument,
        "instrument_version": "1.0.0",
        "score": score,
        "cutoff": 8 if instrument == "gds15" else None,
        "positive": None if score is None or instrument != "gds15" else score >= 8,
        "scoring": "complete" if score is not None else "incomplete",
        "risk": False,
    }


def test_the_trend_draws_gds_scores_with_the_cutoff_and_marks_positives() -> None:
    data = [
        _checkin(3, 11),
        _checkin(0, 3),
        _checkin(1, 6),
        _checkin(2, 8),
        _checkin(2, 2, "daily2"),
    ]
    data.append(_checkin(4, None))  # too many skips: no point
    mood = parse_mood(data)
    assert [m.score for m in mood] == [3, 6, 8, 11, None]  # sorted, daily check left out
    fig = gds_trend_figure(mood, KO)
    (trace,) = fig.data
    assert list(trace.y) == [3, 6, 8, 11]
    assert list(trace.marker.symbol) == ["circle", "circle", "diamond", "diamond"]
    (cutoff,) = fig.layout.shapes
    assert (cutoff.y0, cutoff.y1) == (8, 8)
    assert fig.layout.annotations[-1].text == "기준점 8"
    assert "GDS-15" in fig.layout.title.text
    assert "진단이 아닌" in fig.layout.title.text


def test_one_checkin_gets_a_date_axis_of_two_weeks_not_of_milliseconds() -> None:
    fig = gds_trend_figure(parse_mood([_checkin(0, 5)]), KO)
    lo, hi = (dt.datetime.fromisoformat(str(v)) for v in fig.layout.xaxis.range)
    assert hi - lo >= dt.timedelta(days=14)
    assert lo < T0 < hi
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.tickformat == "%Y-%m-%d"
    # many weeks: the axis is the check-ins' own span (plus a day each side)
    fig = gds_trend_figure(parse_mood([_checkin(w, 5) for w in range(6)]), KO)
    lo, hi = (dt.datetime.fromisoformat(str(v)) for v in fig.layout.xaxis.range)
    assert (lo, hi) == (T0 - dt.timedelta(days=1), T0 + dt.timedelta(weeks=5, days=1))


def test_no_checkin_says_so() -> None:
    fig = gds_trend_figure(parse_mood([]), EN)
    assert fig.layout.annotations[0].text == "No weekly check-in yet"
    assert parse_mood("not a list") == ()


def test_the_page_model_reads_the_checkins_of_the_api() -> None:
    view = parse_participant({**samples.participant("p1", "김영희"), "checkins": [_checkin(0, 9)]})
    assert [(m.score, m.positive, m.cutoff) for m in view.mood] == [(9, True, 8)]
