"""One participant: shared timeline, heart, glucose, data quality, alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.figures.glucose import agp_figure, cgm_figure, tir_figure
from dashboard.figures.heart import af_burden_figure, hrv_figure, poincare_figure
from dashboard.figures.style import base_layout, empty_note
from dashboard.figures.timeline import timeline_figure
from dashboard.figures.wellbeing import gds_trend_figure
from dashboard.i18n import Translator
from dashboard.ids import Id
from dashboard.model.glucose import check_targets
from dashboard.model.heart import HeartWindow
from dashboard.model.participant import DataQuality, ParticipantView
from dashboard.pages.alerts import alert_list
from dashboard.pages.common import aria, href

# The mode bar shows on hover, on a tap, and when one of its buttons has keyboard focus
# (assets/keyboard.js makes them focusable, style.css shows them on focus).
_GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


def keep_zoom(fig: go.Figure, participant_id: str) -> go.Figure:
    """The nurse's zoom survives a redraw of this participant's figure, and only that.

    After a zoom, Dash's graph stores the zoomed axis in its figure and redraws from the
    stored figure; on a loaded machine the redraw that ran used a figure from before the
    zoom, undoing the 1-h button. plotly keeps what the user changed across redraws that
    do not know about it while ``uirevision`` stays the same; keyed by participant, so
    the next participant's page starts unzoomed.
    """
    fig.update_layout(uirevision=participant_id)
    return fig


def graph(fig: Any, graph_id: str | None = None) -> dcc.Graph:
    kwargs: dict[str, Any] = {"figure": fig, "config": _GRAPH_CONFIG}
    if graph_id:
        kwargs["id"] = graph_id
    return dcc.Graph(**kwargs)


def _metric(label: str, value: str, note: str | None = None) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="metric-label"),
            html.Div(value, className="metric-value"),
            html.Div(note or "", className="metric-note"),
        ],
        className="metric",
    )


def glucose_metrics(view: ParticipantView, t: Translator) -> html.Div:
    s = view.glucose_summary
    cards = [
        _metric(t("metric.gmi"), t.percent(s.gmi, 1)),
        _metric(t("metric.mean"), f"{t.number(s.mean)} mg/dL"),
        _metric(
            t("metric.sufficiency"),
            t.percent(s.sufficiency),
            t("insufficient") if s.insufficient else t("sufficient"),
        ),
    ]
    for check in check_targets(s):
        if check.met is None:
            word, glyph = "—", ""
        elif s.insufficient:
            # Under 70 % wear the 14-day shares do not represent the fortnight (Battelino
            # et al. 2019): the value is shown, but no verdict against the target.
            word, glyph = t("target.not_judged"), ""
        else:
            word = t("target.met") if check.met else t("target.missed")
            glyph = "✓ " if check.met else "✗ "
        cards.append(
            _metric(
                t(f"metric.{check.target.key}"),
                t.percent(check.value, 1),
                f"{glyph}{word} ({t('target.label')} {check.target.symbol} "
                f"{t.percent(check.target.bound)})",
            )
        )
    return html.Div(cards, className="metrics")


def quality_section(q: DataQuality, t: Translator, now: dt.datetime) -> html.Section:
    hop = q.failing_hop
    status = (
        html.P(
            t("quality.failing_hop", hop=t.get(f"hop.{hop}", hop)),
            className="off-target",
            role="status",
        )
        if hop
        else html.P(t("quality.all_ok"))
    )
    rows = [
        html.Tr(
            [
                html.Th(t.get(f"device.{d.kind}", d.kind), scope="row"),
                html.Td(d.device_id),
                html.Td(t.percent(d.battery)),
                html.Td(t.ago(d.last_seen, now)),
                html.Td(d.status or "—"),
            ]
        )
        for d in q.devices
    ]
    rows.append(
        html.Tr(
            [
                html.Th(t("quality.gateway"), scope="row"),
                html.Td("—"),
                html.Td("—"),
                html.Td(t.ago(q.gateway_last_seen, now)),
                html.Td(t.get(f"gateway.{q.gateway_status}", q.gateway_status or "—")),
            ]
        )
    )
    header = html.Tr(
        [
            html.Th(t(f"quality.col.{c}"), scope="col")
            for c in ("hop", "id", "battery", "last_seen", "status")
        ]
    )
    coverage = html.P(
        t("quality.coverage", hr=t.percent(q.hr_coverage), cgm=t.percent(q.cgm_coverage))
    )
    return html.Section(
        [
            html.H2(t("section.quality")),
            status,
            html.Table([html.Thead(header), html.Tbody(rows)], className="table"),
            coverage,
        ],
        className="section",
    )


def heart_metrics(view: ParticipantView, t: Translator) -> html.Div:
    h = view.heart
    hours = t.number(h.hours)
    return html.Div(
        [
            _metric(t("metric.rmssd", hours=hours), f"{t.number(h.rmssd_ms)} ms"),
            _metric(t("metric.sdnn", hours=hours), f"{t.number(h.sdnn_ms)} ms"),
            _metric(t("metric.af_burden", hours=hours), t.percent(h.af_burden_pct, 1)),
            _metric(
                t("metric.af_last_hour"),
                t.duration(None if h.af_minutes_last_hour is None else h.af_minutes_last_hour * 60),
            ),
            _metric(t("metric.af_episodes", hours=hours), t.number(h.af_episodes)),
        ],
        className="metrics",
    )


def heart_window_figures(heart: HeartWindow, label: str, t: Translator) -> tuple[Any, Any, Any]:
    return (
        hrv_figure(heart.rmssd, heart.sdnn, t, label),
        af_burden_figure(heart.af_share, t, label),
        poincare_figure(heart.rr_ms, label, t),
    )


def participant_page(
    view: ParticipantView,
    alerts: Sequence[Mapping[str, Any]],
    histories: Mapping[str, Sequence[Mapping[str, Any]]],
    heart_end: dt.datetime | None,
    t: Translator,
    now: dt.datetime,
) -> html.Div:
    """The page; the heart window's three charts arrive by a callback right after it
    (they need a read of raw RR), so the timeline and glucose show without waiting."""
    s = view.glucose_summary
    return html.Div(
        [
            dcc.Link("← " + t("nav.back_to_triage"), href=href(""), className="back"),
            html.H1(t("participant.title", name=view.label)),
            dcc.Store(id=Id.PARTICIPANT_ID, data=view.participant_id),
            html.Section(
                [
                    html.H2(t("section.alerts")),
                    html.Div(id=Id.ALERT_STATUS, role="status", **aria(live="polite")),
                    html.Div(alert_list(alerts, histories, t), id=Id.ALERT_LIST),
                ],
                className="section",
            ),
            html.Section(
                [
                    html.H2(t("section.timeline")),
                    html.P(t("timeline.hint"), className="hint"),
                    graph(
                        keep_zoom(
                            timeline_figure(view.heart_rate, view.glucose, alerts, t),
                            view.participant_id,
                        ),
                        Id.TIMELINE,
                    ),
                ],
                className="section",
            ),
            html.Section(
                [
                    html.H2(t("section.heart")),
                    heart_metrics(view, t),
                    html.P(t("af.non_diagnostic"), className="hint"),
                    html.P(t("heart.window_hint"), className="hint"),
                    dcc.Store(id=Id.HEART_END, data=heart_end.isoformat() if heart_end else None),
                    dcc.Loading(
                        html.Div(
                            [
                                graph(empty_note(base_layout(go.Figure(), ""), t("loading")), gid)
                                for gid in (Id.HRV, Id.AF, Id.POINCARE)
                            ],
                            className="grid2",
                        ),
                        type="circle",
                    ),
                ],
                className="section",
            ),
            html.Section(
                [
                    html.H2(t("section.glucose")),
                    glucose_metrics(view, t),
                    graph(cgm_figure(view.glucose, t)),
                    html.Div(
                        [graph(agp_figure(view.agp, s.insufficient, t)), graph(tir_figure(s, t))],
                        className="grid2",
                    ),
                ],
                className="section",
            ),
            html.Section(
                [html.H2(t("section.wellbeing")), graph(gds_trend_figure(view.mood, t))],
                className="section",
            ),
            quality_section(view.quality, t, now),
        ]
    )
