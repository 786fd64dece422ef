"""Shared look of every figure: large type, high contrast, Korean-capable fonts."""

from __future__ import annotations

import plotly.graph_objects as go

# NanumGothic is Debian's fonts-nanum; the others cover systems without it.
FONT_FAMILY = "NanumGothic, 'Noto Sans KR', 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif"
FONT_SIZE = 16
INK = "#1A1A1A"  # 17.4:1 on white
HR_COLOUR = "#B23C00"  # heart rate: dark vermillion (Okabe-Ito family), 5.9:1
GLUCOSE_COLOUR = "#005A9C"  # glucose: dark blue (Okabe-Ito family), 6.2:1
BAND_FILL = "rgba(0, 158, 115, 0.15)"  # Okabe-Ito bluish green, translucent target band
BAND_EDGE = "#00734F"


def base_layout(fig: go.Figure, title: str, height: int = 360, subtitle: str = "") -> go.Figure:
    text = (
        f"{title}<br><span style='font-size:{FONT_SIZE}px'>{subtitle}</span>" if subtitle else title
    )
    fig.update_layout(
        title={"text": text, "x": 0.0, "xanchor": "left", "font": {"size": FONT_SIZE + 4}},
        font={"family": FONT_FAMILY, "size": FONT_SIZE, "color": INK},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 70, "r": 20, "t": 80 if subtitle else 60, "b": 50},
        legend={"orientation": "h", "y": -0.2},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": FONT_SIZE}},
    )
    fig.update_xaxes(showgrid=True, gridcolor="#D9D9D9", linecolor=INK, ticks="outside")
    fig.update_yaxes(showgrid=True, gridcolor="#D9D9D9", linecolor=INK, ticks="outside")
    return fig


def empty_note(fig: go.Figure, text: str) -> go.Figure:
    """Say there is nothing to show, instead of an empty plot that looks broken."""
    fig.add_annotation(
        text=text,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": FONT_SIZE + 2},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
