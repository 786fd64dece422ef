"""Heart figures: HRV trend, AF burden, Poincaré plot of RR intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.style import HR_COLOUR, INK, base_layout, empty_note
from dashboard.figures.timeline import date_ticks, local, values
from dashboard.i18n import Translator
from dashboard.model.participant import Series


def hrv_figure(rmssd: Series, sdnn: Series, t: Translator, window: str = "") -> go.Figure:
    """RMSSD and SDNN per 5-minute window (Task Force 1996), for the chosen window."""
    fig = go.Figure()
    base_layout(fig, t("figure.hrv"), subtitle=window)
    if not len(rmssd) and not len(sdnn):
        return empty_note(fig, t("no_data"))
    fig.add_trace(
        go.Scatter(
            x=local(rmssd.times),
            y=values(rmssd.values),
            name="RMSSD",
            mode="lines+markers",
            line={"color": HR_COLOUR, "width": 2},
            marker={"symbol": "circle", "size": 6},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=local(sdnn.times),
            y=values(sdnn.values),
            name="SDNN",
            mode="lines+markers",
            line={"color": INK, "width": 2, "dash": "dash"},
            marker={"symbol": "square", "size": 6},
        )
    )
    fig.update_yaxes(title_text="ms", rangemode="tozero")
    fig.update_xaxes(tickformatstops=date_ticks(t))
    return fig


def af_burden_figure(burden: Series, t: Translator, window: str = "") -> go.Figure:
    """Share of beats in AF-like rhythm per 5-minute window (non-diagnostic)."""
    fig = go.Figure()
    base_layout(fig, t("figure.af_burden"), subtitle=window, height=360)
    if not len(burden):
        return empty_note(fig, t("no_data"))
    fig.add_trace(
        go.Bar(
            x=local(burden.times),
            y=values(burden.values),
            name=t("series.af_burden"),
            marker={"color": HR_COLOUR, "pattern": {"shape": "/"}},
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:.1f}%<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="%", range=[0, 100])
    fig.update_xaxes(tickformatstops=date_ticks(t))
    return fig


@dataclass(frozen=True)
class PoincareStats:
    """SD1/SD2 of the Poincaré plot (Brennan, Palaniswami, Kamen, IEEE TBME 2001)."""

    n: int
    sd1: float | None
    sd2: float | None


def poincare_stats(rr_ms: Sequence[float]) -> PoincareStats:
    """SD1 = sd(diff)/sqrt 2 (short-term), SD2 from sd(sum)/sqrt 2 (long-term); sample SD."""
    pairs = len(rr_ms) - 1
    if pairs < 2:
        return PoincareStats(max(pairs, 0), None, None)
    diffs = [rr_ms[i + 1] - rr_ms[i] for i in range(pairs)]
    sums = [rr_ms[i + 1] + rr_ms[i] for i in range(pairs)]

    def sd(xs: list[float]) -> float:
        mean = sum(xs) / len(xs)
        return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))

    return PoincareStats(pairs, sd(diffs) / math.sqrt(2), sd(sums) / math.sqrt(2))


def poincare_figure(rr_ms: Sequence[float], window_label: str, t: Translator) -> go.Figure:
    """RR(n+1) against RR(n) for the chosen window, with the identity line."""
    stats = poincare_stats(rr_ms)
    fig = go.Figure()
    base_layout(fig, t("figure.poincare"), subtitle=window_label, height=420)
    if stats.n < 2:
        return empty_note(fig, t("poincare.pick_window"))
    lo, hi = min(rr_ms), max(rr_ms)
    fig.add_trace(
        go.Scatter(
            x=np.asarray(rr_ms[:-1], dtype=np.float64),
            y=np.asarray(rr_ms[1:], dtype=np.float64),
            mode="markers",
            name="RR",
            marker={"size": 5, "color": HR_COLOUR, "opacity": 0.5},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[lo, hi],
            y=[lo, hi],
            mode="lines",
            name=t("poincare.identity"),
            line={"color": INK, "dash": "dot"},
        )
    )
    fig.add_annotation(
        text=t(
            "poincare.stats",
            n=t.number(stats.n),
            sd1=t.number(stats.sd1, 1),
            sd2=t.number(stats.sd2, 1),
        ),
        xref="paper",
        yref="paper",
        x=0.02,
        y=0.98,
        showarrow=False,
        align="left",
        bgcolor="white",
        bordercolor=INK,
    )
    fig.update_xaxes(title_text="RR(n) (ms)")
    fig.update_yaxes(title_text="RR(n+1) (ms)", scaleanchor="x", scaleratio=1)
    return fig
