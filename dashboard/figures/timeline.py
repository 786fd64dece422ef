"""One timeline: heart rate, glucose and alert markers on a shared time axis.

Times are shown as Seoul wall-clock time (Plotly draws datetimes as given, so they are
converted here); range buttons zoom from 14 days down to 15 minutes, and dragging zooms
further.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.style import (
    BAND_EDGE,
    BAND_FILL,
    GLUCOSE_COLOUR,
    HR_COLOUR,
    base_layout,
)
from dashboard.i18n import DISPLAY_ZONE, Translator
from dashboard.model import glucose as g
from dashboard.model.participant import Series
from dashboard.model.severity import mark_for
from dashboard.model.shapes import as_time, pick


def local(times: Sequence[dt.datetime]) -> npt.NDArray[np.str_]:
    """Seoul wall-clock times as ISO strings, which Plotly draws without shifting.

    Strings in a numpy array serialise ~25x faster than datetime objects (measured in
    bench/dashboard.py), which matters for 14 days of 5-minute points.
    """
    offset = DISPLAY_ZONE.utcoffset(None)  # None: Seoul has had no DST since 1988
    shift = int(offset.total_seconds()) if offset else _SEOUL_OFFSET_S
    seconds = np.fromiter((t.timestamp() for t in times), dtype=np.float64, count=len(times))
    wall = (np.round(seconds).astype(np.int64) + shift).astype("datetime64[s]")
    return np.datetime_as_string(wall, unit="s")


def values(series_values: Sequence[float | None]) -> npt.NDArray[np.float64]:
    """Values as floats with NaN for gaps (Plotly breaks the line there)."""
    return np.array([np.nan if v is None else v for v in series_values], dtype=np.float64)


# Korea Standard Time, UTC+9, without daylight saving since 1988.
_SEOUL_OFFSET_S = 9 * 3600


def date_ticks(t: Translator) -> list[dict[str, Any]]:
    """Tick labels by zoom level in the language's own date pattern (from the catalog)."""
    hour_ms = 3600 * 1000
    return [
        {"dtickrange": [None, hour_ms], "value": t("format.tick_minute")},
        {"dtickrange": [hour_ms, 24 * hour_ms], "value": t("format.tick_hour")},
        {"dtickrange": [24 * hour_ms, None], "value": t("format.tick_day")},
    ]


def range_buttons(t: Translator) -> list[dict[str, Any]]:
    return [
        {"count": 14, "step": "day", "stepmode": "backward", "label": t("zoom.14d")},
        {"count": 1, "step": "day", "stepmode": "backward", "label": t("zoom.1d")},
        {"count": 6, "step": "hour", "stepmode": "backward", "label": t("zoom.6h")},
        {"count": 1, "step": "hour", "stepmode": "backward", "label": t("zoom.1h")},
        {"count": 15, "step": "minute", "stepmode": "backward", "label": t("zoom.15m")},
        {"step": "all", "label": t("zoom.all")},
    ]


def timeline_figure(
    heart_rate: Series,
    glucose: Series,
    alerts: Sequence[Mapping[str, Any]],
    t: Translator,
) -> go.Figure:
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.42, 0.42, 0.16],
    )
    fig.add_trace(
        go.Scatter(
            x=local(heart_rate.times),
            y=values(heart_rate.values),
            name=t("series.heart_rate"),
            mode="lines",
            line={"color": HR_COLOUR, "width": 2},
            connectgaps=False,
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:.0f} bpm<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_hrect(y0=g.LOW, y1=g.HIGH, fillcolor=BAND_FILL, line_width=0, row=2, col=1)
    for level in (g.LOW, g.HIGH):
        fig.add_hline(y=level, line={"color": BAND_EDGE, "dash": "dot", "width": 1}, row=2, col=1)
    fig.add_trace(
        go.Scatter(
            x=local(glucose.times),
            y=values(glucose.values),
            name=t("series.glucose"),
            mode="lines",
            line={"color": GLUCOSE_COLOUR, "width": 2, "dash": "solid"},
            connectgaps=False,
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:.0f} mg/dL<extra></extra>",
        ),
        row=2,
        col=1,
    )
    for trace in alert_traces(alerts, t):
        fig.add_trace(trace, row=3, col=1)
    # No title: the section heading names the chart, and the zoom buttons sit on top.
    base_layout(fig, "", height=560)
    fig.update_layout(margin={"t": 50})
    fig.update_yaxes(title_text="bpm", row=1, col=1)
    fig.update_yaxes(title_text="mg/dL", row=2, col=1)
    fig.update_yaxes(visible=False, range=[-1, 1], fixedrange=True, row=3, col=1)
    fig.update_xaxes(
        rangeselector={"buttons": range_buttons(t), "font": {"size": 16}, "y": 1.04},
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text=t("axis.time_seoul"), row=3, col=1)
    fig.update_xaxes(tickformatstops=date_ticks(t))
    fig.update_layout(hovermode="x unified", dragmode="zoom")
    return fig


def alert_traces(alerts: Sequence[Mapping[str, Any]], t: Translator) -> list[go.Scatter]:
    """One trace per priority: a marker at each alert's onset, shape and text by priority."""
    by_priority: dict[str, list[Mapping[str, Any]]] = {}
    for alert in alerts:
        by_priority.setdefault(str(pick(alert, "priority") or "LOW").upper(), []).append(alert)
    traces = []
    for priority, group in by_priority.items():
        mark = mark_for(priority)
        times = [as_time(pick(a, "first_seen", "created_at")) for a in group]
        kept = [(tm, a) for tm, a in zip(times, group, strict=True) if tm is not None]
        traces.append(
            go.Scatter(
                x=local([tm for tm, _ in kept]),
                y=[0.0] * len(kept),
                mode="markers",
                marker={
                    "symbol": mark.plotly_symbol,
                    "size": 18,
                    "color": mark.colour,
                    "line": {"color": "#1A1A1A", "width": 1},
                },
                text=[
                    t.get(f"rule.{pick(a, 'rule_id')}", str(pick(a, "rule_id"))) for _, a in kept
                ],
                name=t(f"priority.{priority}"),
                hovertemplate="%{x|%Y-%m-%d %H:%M} %{text}<extra></extra>",
            )
        )
    return traces
