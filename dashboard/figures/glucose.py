"""Glucose figures: CGM trace with the target band, AGP, time-in-ranges bar."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.style import (
    BAND_EDGE,
    BAND_FILL,
    GLUCOSE_COLOUR,
    INK,
    base_layout,
    empty_note,
)
from dashboard.figures.timeline import date_ticks, local, values
from dashboard.i18n import Translator
from dashboard.model import glucose as g
from dashboard.model.participant import Agp, Series

# Range colours of the AGP report's time-in-ranges bar (International Diabetes Center
# convention: red, light red, green, yellow, orange), darkened where white text sits on
# them; every band is also labelled with its range and share, so colour is not needed.
RANGE_COLOURS = {
    "very_low": "#8B0000",
    "low": "#D7301F",
    "in_range": "#1B7F3B",
    "high": "#F2C14E",
    "very_high": "#E07B00",
}
RANGE_TEXT = {
    "very_low": "white",
    "low": "white",
    "in_range": "white",
    "high": INK,
    "very_high": INK,
}


def cgm_figure(glucose: Series, t: Translator) -> go.Figure:
    fig = go.Figure()
    base_layout(fig, t("figure.cgm"))
    if not len(glucose):
        return empty_note(fig, t("no_data"))
    fig.add_hrect(y0=g.LOW, y1=g.HIGH, fillcolor=BAND_FILL, line_width=0)
    for level in (g.LOW, g.HIGH):
        fig.add_hline(y=level, line={"color": BAND_EDGE, "dash": "dot", "width": 1})
    fig.add_hline(
        y=g.VERY_LOW, line={"color": RANGE_COLOURS["very_low"], "dash": "dash", "width": 1}
    )
    fig.add_trace(
        go.Scatter(
            x=local(glucose.times),
            y=values(glucose.values),
            mode="lines",
            name=t("series.glucose"),
            line={"color": GLUCOSE_COLOUR, "width": 2},
            connectgaps=False,
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:.0f} mg/dL<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="mg/dL", range=[40, 400])
    fig.update_xaxes(title_text=t("axis.time_seoul"), tickformatstops=date_ticks(t))
    return fig


def agp_figure(agp: Agp, insufficient: bool, t: Translator) -> go.Figure:
    """Ambulatory glucose profile: median, 25-75 and 5-95 percentile bands by time of day."""
    # The warning on a line of its own: a half-width chart has no room for both.
    fig = go.Figure()
    base_layout(
        fig, t("figure.agp"), height=400, subtitle=t("insufficient") if insufficient else ""
    )
    if not len(agp):
        return empty_note(fig, t("no_data"))
    hours = [m / 60.0 for m in agp.minutes]
    fig.add_hrect(y0=g.LOW, y1=g.HIGH, fillcolor=BAND_FILL, line_width=0)

    def band(
        lower: tuple[float | None, ...], upper: tuple[float | None, ...], name: str, fill: str
    ) -> None:
        fig.add_trace(
            go.Scatter(
                x=hours,
                y=values(upper),
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=hours,
                y=values(lower),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=fill,
                name=name,
                hoverinfo="skip",
            )
        )

    band(tuple(agp.p5), tuple(agp.p95), t("agp.p5_95"), "rgba(0, 90, 156, 0.15)")
    band(tuple(agp.p25), tuple(agp.p75), t("agp.p25_75"), "rgba(0, 90, 156, 0.35)")
    fig.add_trace(
        go.Scatter(
            x=hours,
            y=values(agp.p50),
            mode="lines",
            name=t("agp.median"),
            line={"color": GLUCOSE_COLOUR, "width": 3},
            hovertemplate="%{y:.0f} mg/dL<extra></extra>",
        )
    )
    fig.update_xaxes(
        title_text=t("axis.time_of_day"),
        range=[0, 24],
        dtick=3,
        tickvals=list(range(0, 25, 3)),
        ticktext=[f"{h:02d}:00" for h in range(0, 25, 3)],
    )
    fig.update_yaxes(title_text="mg/dL", range=[40, 350])
    # The legend at the figure's foot, below the axis title (the shared place, a fifth of
    # the plot height under it, ran into the title on this shorter plot), with room kept.
    fig.update_layout(
        legend={"yref": "container", "y": 0.0, "yanchor": "bottom"},
        margin={"b": 100},
    )
    return fig


def tir_figure(summary: g.GlucoseSummary, t: Translator) -> go.Figure:
    """One stacked bar of the five ranges, each labelled with its share."""
    fig = go.Figure()
    note = t("insufficient") if summary.insufficient else ""
    base_layout(fig, t("figure.tir"), height=420, subtitle=note)
    shares = g.range_shares(summary)
    if all(v is None for _, v in shares):
        return empty_note(fig, t("no_data"))
    for key, value in shares:
        label = f"{t(f'range.{key}')}: {t.percent(value, 1)}"
        fig.add_trace(
            go.Bar(
                x=[t("figure.tir_short")],
                y=[value or 0.0],
                name=label,
                marker={"color": RANGE_COLOURS[key], "line": {"color": INK, "width": 1}},
                text=[label],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": RANGE_TEXT[key], "size": 15},
                hovertemplate=label + "<extra></extra>",
            )
        )
    fig.update_layout(
        # Bands too thin for a readable label are named in the legend only.
        uniformtext={"minsize": 13, "mode": "hide"},
        barmode="stack",
        showlegend=True,
        legend={"orientation": "v", "y": 0.5, "x": 1.02, "traceorder": "reversed"},
    )
    fig.update_yaxes(title_text="%", range=[0, 100])
    return fig
