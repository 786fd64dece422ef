"""The weekly GDS-15 score trend with the Korean cut-off (docs/checkins.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go

from dashboard.figures.style import BAND_EDGE, HR_COLOUR, INK, base_layout, empty_note
from dashboard.i18n import Translator
from dashboard.model.participant import MoodScore

# GDS-15 totals run 0-15 (Sheikh & Yesavage 1986).
_MAX_SCORE = 15
# The check-in is weekly: the time axis spans at least two weeks and labels days, so a
# single check-in is not drawn on an axis of milliseconds.
_MIN_SPAN = dt.timedelta(days=14)


def gds_trend_figure(scores: Sequence[MoodScore], t: Translator) -> go.Figure:
    """Scores over time; positive screens (at or above the cut-off) drawn as filled
    diamonds, the cut-off as a dashed line; a check-in with too many skipped items has
    no score and is left out."""
    fig = go.Figure()
    base_layout(fig, t("figure.gds15"), height=320, subtitle=t("wellbeing.hint"))
    scored = [s for s in scores if s.score is not None]
    if not scored:
        return empty_note(fig, t("wellbeing.none"))
    fig.add_trace(
        go.Scatter(
            x=[s.at for s in scored],
            y=[s.score for s in scored],
            mode="lines+markers",
            name=t("wellbeing.score"),
            line={"color": INK, "width": 2},
            marker={
                "size": 14,
                "color": [HR_COLOUR if s.positive else "white" for s in scored],
                "symbol": ["diamond" if s.positive else "circle" for s in scored],
                "line": {"color": INK, "width": 2},
            },
        )
    )
    cutoff = next((s.cutoff for s in reversed(scored) if s.cutoff is not None), None)
    if cutoff is not None:
        fig.add_hline(
            y=cutoff,
            line={"color": BAND_EDGE, "dash": "dash", "width": 2},
            annotation={"text": t("wellbeing.cutoff", n=cutoff), "xanchor": "left"},
            annotation_position="top left",
        )
    fig.update_yaxes(range=[-0.5, _MAX_SCORE + 0.5], title={"text": t("wellbeing.score")})
    fig.update_xaxes(type="date", range=_date_range([s.at for s in scored]), tickformat="%Y-%m-%d")
    return fig


def _date_range(times: Sequence[dt.datetime]) -> list[dt.datetime]:
    """The check-ins' span, widened about its middle to at least :data:`_MIN_SPAN`, plus
    a day each side so that the first and last markers are not cut in half."""
    lo, hi = min(times), max(times)
    if hi - lo < _MIN_SPAN:
        middle = lo + (hi - lo) / 2
        lo, hi = middle - _MIN_SPAN / 2, middle + _MIN_SPAN / 2
    day = dt.timedelta(days=1)
    return [lo - day, hi + day]
