"""Alert-burden figures: alerts per participant-day and non-actionable share per rule."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dashboard.figures.style import GLUCOSE_COLOUR, HR_COLOUR, base_layout, empty_note
from dashboard.i18n import Translator
from dashboard.model.burden import RuleBurden


def burden_figure(rules: Sequence[RuleBurden], t: Translator) -> go.Figure:
    fig = go.Figure()
    base_layout(fig, t("figure.burden"), height=420)
    if not rules:
        return empty_note(fig, t("no_data"))
    names = [t.get(f"rule.{r.rule_id}", r.rule_id) for r in rules]
    fig.add_trace(
        go.Bar(
            y=names,
            x=[r.per_participant_day or 0.0 for r in rules],
            orientation="h",
            name=t("burden.per_participant_day"),
            marker={"color": GLUCOSE_COLOUR},
        )
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=[(r.non_actionable_share or 0.0) for r in rules],
            orientation="h",
            name=t("burden.non_actionable_share"),
            marker={"color": HR_COLOUR, "pattern": {"shape": "/"}},
            xaxis="x2",
        )
    )
    fig.update_layout(
        barmode="group",
        xaxis={"title": {"text": t("burden.per_participant_day")}, "domain": [0, 0.48]},
        xaxis2={
            "title": {"text": t("burden.non_actionable_share") + " (%)"},
            "domain": [0.52, 1.0],
            "range": [0, 100],
            "anchor": "y",
        },
    )
    return fig
