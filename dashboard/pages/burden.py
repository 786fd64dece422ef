"""The alert-burden page: a pilot outcome (alerts per participant-day, time to acknowledge)."""

from __future__ import annotations

from dash import dcc, html

from dashboard.figures.burden import burden_figure
from dashboard.i18n import Translator
from dashboard.model.burden import Burden


def burden_page(burden: Burden, t: Translator) -> html.Div:
    header = html.Tr(
        [
            html.Th(t(f"burden.col.{c}"), scope="col")
            for c in ("rule", "alerts", "per_participant_day", "median_ack", "non_actionable")
        ]
    )
    rows = [
        html.Tr(
            [
                html.Th(t.get(f"rule.{r.rule_id}", r.rule_id), scope="row"),
                html.Td(t.number(r.alerts)),
                html.Td(t.number(r.per_participant_day, 2)),
                html.Td(t.duration(r.median_ack_s)),
                html.Td(t.percent(r.non_actionable_share)),
            ]
        )
        for r in burden.rules
    ]
    summary = html.Div(
        [
            html.Div(
                [
                    html.Div(t("burden.alerts"), className="metric-label"),
                    html.Div(t.number(burden.alerts), className="metric-value"),
                ],
                className="metric",
            ),
            html.Div(
                [
                    html.Div(t("burden.per_participant_day"), className="metric-label"),
                    html.Div(t.number(burden.per_participant_day, 2), className="metric-value"),
                ],
                className="metric",
            ),
            html.Div(
                [
                    html.Div(t("burden.median_ack"), className="metric-label"),
                    html.Div(t.duration(burden.median_ack_s), className="metric-value"),
                ],
                className="metric",
            ),
            html.Div(
                [
                    html.Div(t("burden.non_actionable_share"), className="metric-label"),
                    html.Div(t.percent(burden.non_actionable_share), className="metric-value"),
                ],
                className="metric",
            ),
        ],
        className="metrics",
    )
    notes = []
    if burden.participant_days is not None and burden.per_participant_day is None:
        # The API withholds rates over less than a participant-day (a new cohort).
        notes.append(t("burden.rate_withheld", days=t.number(burden.participant_days, 2)))
    elif burden.before_monitoring:
        notes.append(t("burden.before_monitoring", n=t.number(burden.before_monitoring)))
    early = [html.P(note, className="note") for note in notes]
    return html.Div(
        [
            html.H1(t("burden.title")),
            html.P(t("burden.intro"), className="intro"),
            summary,
            *early,
            dcc.Graph(figure=burden_figure(burden.rules, t), config={"displaylogo": False}),
            html.Table([html.Thead(header), html.Tbody(rows)], className="table"),
        ]
    )
