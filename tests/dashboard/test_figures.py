"""Figures are pure functions: data in, go.Figure out; checked on what they draw."""

from __future__ import annotations

import itertools
import math

import pytest

from dashboard.figures.glucose import agp_figure, cgm_figure, tir_figure
from dashboard.figures.heart import af_burden_figure, hrv_figure, poincare_figure, poincare_stats
from dashboard.figures.timeline import timeline_figure
from dashboard.i18n import Translator
from dashboard.model.glucose import GlucoseSummary
from dashboard.model.participant import Agp, Series, parse_participant
from tests.dashboard import samples

KO, EN = Translator("ko"), Translator("en")


def test_timeline_shares_one_time_axis_and_marks_alerts_by_shape_and_text() -> None:
    view = parse_participant(samples.participant("p1", "김영희"))
    alerts = [
        samples.alert("a1", "p1", "hypo_level2", "HIGH"),
        samples.alert("a2", "p1", "af_burden", "MEDIUM"),
    ]
    fig = timeline_figure(view.heart_rate, view.glucose, alerts, KO)
    names = [trace.name for trace in fig.data]
    assert names[:2] == ["심박수", "혈당"]
    # Rows share x: the lower axes are matched to the top one.
    assert (
        fig.layout.xaxis2.matches == "x"
        or fig.layout.xaxis.matches == "x3"
        or (fig.layout.xaxis3.matches in ("x", None))
    )
    markers = {trace.marker.symbol: trace for trace in fig.data[2:]}
    assert set(markers) == {"triangle-up", "diamond"}
    assert markers["triangle-up"].text == ("혈당 54 mg/dL 미만 15분 이상",)  # hover text
    assert markers["triangle-up"].name == "높음"
    # Times are Seoul wall clock: 00:30 UTC is 09:30 in Seoul.
    assert fig.data[0].x[-1] == "2026-12-06T09:25:00"
    buttons = [b.label for b in fig.layout.xaxis.rangeselector.buttons]
    assert buttons[0] == "14일"
    assert "15분" in buttons


def test_target_band_is_70_to_180_in_the_glucose_row() -> None:
    view = parse_participant(samples.participant("p1", "x"))
    fig = cgm_figure(view.glucose, EN)
    band = [s for s in fig.layout.shapes if s.type == "rect"]
    assert (band[0].y0, band[0].y1) == (70.0, 180.0)


def test_agp_draws_both_percentile_bands_and_the_median() -> None:
    minutes = [0.0, 5.0, 10.0]
    agp = Agp(
        minutes, (60, 61, 62), (90, 91, 92), (120, 121, 122), (150, 151, 152), (200, 201, 202)
    )
    fig = agp_figure(agp, insufficient=False, t=EN)
    filled = [tr for tr in fig.data if tr.fill == "tonexty"]
    assert [tr.name for tr in filled] == ["5–95%", "25–75%"]
    assert fig.data[-1].name == "Median"
    assert list(fig.data[-1].y) == [120, 121, 122]
    assert list(fig.data[-1].x) == [0.0, 5 / 60, 10 / 60]
    assert "insufficient" not in fig.layout.title.text
    assert "insufficient" in agp_figure(agp, insufficient=True, t=EN).layout.title.text
    # The legend sits at the figure's foot, under the "Time of day" title, with room
    # kept for it (placed a fifth of the plot height under the axis it ran into the title).
    legend = fig.layout.legend
    assert (legend.yref, legend.y, legend.yanchor) == ("container", 0.0, "bottom")
    assert fig.layout.margin.b >= 100


def test_time_in_ranges_stacks_disjoint_bands_labelled_with_their_share() -> None:
    summary = GlucoseSummary(
        tbr54=0.5,
        tbr70=2.0,
        tir=60.0,
        tar180=38.0,
        tar250=12.0,
        mean=170.0,
        cv=30.0,
        gmi=7.4,
        sufficiency=65.0,
    )
    fig = tir_figure(summary, EN)
    assert [tr.y[0] for tr in fig.data] == [0.5, 1.5, 60.0, 26.0, 12.0]
    assert sum(tr.y[0] for tr in fig.data) == pytest.approx(100.0)
    assert fig.data[0].text[0] == "Very low < 54: 0.5%"
    assert "insufficient" in fig.layout.title.text  # 65% wear < 70%


def test_poincare_sd1_sd2_match_their_definitions() -> None:
    rr = [800.0, 820.0, 790.0, 810.0, 805.0, 830.0]
    stats = poincare_stats(rr)
    diffs = [b - a for a, b in itertools.pairwise(rr)]
    mean = sum(diffs) / len(diffs)
    sd_diff = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1))
    assert stats.n == 5
    assert stats.sd1 == pytest.approx(sd_diff / math.sqrt(2))
    fig = poincare_figure(rr, "w", KO)
    assert list(fig.data[0].x) == rr[:-1]
    assert list(fig.data[0].y) == rr[1:]
    assert "5쌍" in fig.layout.annotations[0].text


def test_empty_data_says_so_instead_of_an_empty_plot() -> None:
    for fig in (
        hrv_figure(Series(), Series(), KO),
        af_burden_figure(Series(), KO),
        poincare_figure([], "w", KO),
        cgm_figure(Series(), KO),
    ):
        assert fig.layout.annotations, fig.layout.title.text
        assert not fig.data
