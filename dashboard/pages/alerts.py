"""Alert cards with their actions (participant page) and the cross-participant queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from dashboard.i18n import Translator
from dashboard.ids import Id, Kind, pattern
from dashboard.model.shapes import as_float, as_time, pick
from dashboard.pages.common import aria, badge, href

RESOLUTIONS = ("actionable", "non_actionable", "artefact")
SNOOZE_MINUTES = (30, 60, 120, 240)


def rule_name(t: Translator, alert: Mapping[str, Any]) -> str:
    rule = str(pick(alert, "rule_id") or "?")
    return t.get(f"rule.{rule}", rule)


def _facts(alert: Mapping[str, Any], t: Translator) -> list[Any]:
    state = str(pick(alert, "state") or "OPEN")
    worst = as_float(pick(alert, "worst_value"))
    unit = str(pick(alert, "unit") or "")
    facts: list[Any] = [
        html.Dt(t("alert.state")),
        html.Dd(t.get(f"state.{state}", state)),
        html.Dt(t("alert.kind")),
        html.Dd(t.get(f"kind.{pick(alert, 'kind')}", str(pick(alert, "kind")))),
        html.Dt(t("alert.first_seen")),
        html.Dd(t.datetime(as_time(pick(alert, "first_seen")))),
        html.Dt(t("alert.last_seen")),
        html.Dd(t.datetime(as_time(pick(alert, "last_seen")))),
        html.Dt(t("alert.occurrences")),
        html.Dd(t.number(as_float(pick(alert, "occurrence_count")))),
    ]
    if worst is not None:
        facts += [html.Dt(t("alert.worst")), html.Dd(f"{t.number(worst, 1)} {unit}".strip())]
    if pick(alert, "acknowledged_at"):
        facts += [
            html.Dt(t("alert.acknowledged")),
            html.Dd(
                t(
                    "alert.by_at",
                    who=str(pick(alert, "acknowledged_by") or "?"),
                    at=t.datetime(as_time(pick(alert, "acknowledged_at"))),
                )
            ),
        ]
    if pick(alert, "resolved_at"):
        reason = str(pick(alert, "resolution") or "")
        facts += [
            html.Dt(t("alert.resolved")),
            html.Dd(
                t(
                    "alert.by_at",
                    who=str(pick(alert, "resolved_by") or "?"),
                    at=t.datetime(as_time(pick(alert, "resolved_at"))),
                )
                + (f" — {t.get(f'resolution.{reason}', reason)}" if reason else "")
            ),
        ]
    if pick(alert, "snoozed_until"):
        facts += [
            html.Dt(t("alert.snoozed_until")),
            html.Dd(t.datetime(as_time(pick(alert, "snoozed_until")))),
        ]
    return facts


def _actions(alert: Mapping[str, Any], t: Translator) -> list[Any]:
    alert_id = str(pick(alert, "id", "alert_id"))
    state = str(pick(alert, "state") or "OPEN")
    priority = str(pick(alert, "priority") or "").upper()
    if state == "RESOLVED":
        return []
    actions: list[Any] = []
    if state == "OPEN":
        actions.append(
            html.Button(
                t("alert.acknowledge"),
                id=pattern(Kind.ACKNOWLEDGE, alert_id),
                className="button primary",
            )
        )
    actions.append(
        html.Fieldset(
            [
                html.Legend(t("alert.resolve_legend")),
                html.Div(t("alert.reason"), className="field-label"),
                # Radio buttons, not a drop-down: every reason visible, one tap each, and
                # reachable with the arrow keys.
                dcc.RadioItems(
                    id=pattern(Kind.RESOLVE_REASON, alert_id),
                    options=[{"label": t(f"resolution.{r}"), "value": r} for r in RESOLUTIONS],
                    className="radios",
                ),
                html.Label(
                    [
                        t("alert.note"),
                        dcc.Textarea(
                            id=pattern(Kind.RESOLVE_NOTE, alert_id),
                            className="note",
                            maxLength=2000,
                        ),
                    ],
                    className="field-label",
                ),
                html.Button(
                    t("alert.resolve"), id=pattern(Kind.RESOLVE, alert_id), className="button"
                ),
            ],
            className="resolve",
        )
    )
    # IEC 60601-1-8 / clinical rule: a HIGH alert cannot be snoozed; others need a reason.
    if priority != "HIGH":
        actions.append(
            html.Fieldset(
                [
                    html.Legend(t("alert.snooze_legend")),
                    dcc.RadioItems(
                        id=pattern(Kind.SNOOZE_MINUTES, alert_id),
                        options=[{"label": t.duration(m * 60), "value": m} for m in SNOOZE_MINUTES],
                        value=SNOOZE_MINUTES[1],
                        inline=True,
                        className="radios",
                    ),
                    html.Label(
                        [
                            t("alert.snooze_reason"),
                            dcc.Input(
                                id=pattern(Kind.SNOOZE_REASON, alert_id),
                                type="text",
                                className="note",
                                maxLength=500,
                            ),
                        ],
                        className="field-label",
                    ),
                    html.Button(
                        t("alert.snooze"),
                        id=pattern(Kind.SNOOZE, alert_id),
                        className="button secondary",
                    ),
                ],
                className="snooze",
            )
        )
    else:
        actions.append(html.P(t("alert.no_snooze_high"), className="hint"))
    return actions


def _history(events: Sequence[Mapping[str, Any]], t: Translator) -> html.Details:
    items = [
        html.Li(
            f"{t.datetime(as_time(pick(e, 'at', 'ts', 'created_at')))} — "
            f"{t.get('event.' + str(pick(e, 'action', 'event')), str(pick(e, 'action', 'event')))}"
            f" ({pick(e, 'actor', 'by') or '?'})"
            + (f": {pick(e, 'details.note', 'note')}" if pick(e, "details.note", "note") else "")
        )
        for e in events
    ]
    return html.Details(
        [
            html.Summary(t("alert.history", n=len(events))),
            html.Ol(items or [html.Li(t("no_data"))]),
        ],
        className="history",
    )


def alert_card(
    alert: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    t: Translator,
    expanded: bool = True,
) -> html.Section:
    """One alert; the forms of all but the most urgent are folded (one click to open)."""
    alert_id = str(pick(alert, "id", "alert_id"))
    title: list[Any] = [badge(str(pick(alert, "priority") or ""), t), " ", rule_name(t, alert)]
    if pick(alert, "retrospective"):
        title += [" ", html.Span(t("alert.retrospective"), className="tag")]
    # The engine writes its summary in English; other languages show the translated
    # facts below it instead of an untranslated sentence.
    summary = pick(alert, "summary") if t.lang == "en" else None
    actions = html.Div(_actions(alert, t), className="actions")
    return html.Section(
        [
            html.H3(title),
            html.P(str(summary)) if summary else None,
            html.Dl(_facts(alert, t), className="facts"),
            actions if expanded else html.Details([html.Summary(t("alert.actions")), actions]),
            _history(history, t),
        ],
        className="alert-card",
        id=f"alert-{alert_id}",
        **aria(label=rule_name(t, alert)),
    )


def alert_list(
    alerts: Sequence[Mapping[str, Any]],
    histories: Mapping[str, Sequence[Mapping[str, Any]]],
    t: Translator,
) -> list[Any]:
    if not alerts:
        return [html.P(t("alert.none"))]
    return [
        alert_card(a, histories.get(str(pick(a, "id", "alert_id")), ()), t, expanded=i == 0)
        for i, a in enumerate(alerts)
    ]


QUEUE_STATES = ("OPEN", "ACKNOWLEDGED", "RESOLVED")


def queue_page(t: Translator, table: Any) -> html.Div:
    return html.Div(
        [
            html.H1(t("queue.title")),
            dcc.Checklist(
                id=Id.QUEUE_FILTERS,
                options=[{"label": t(f"state.{s}"), "value": s} for s in QUEUE_STATES],
                value=["OPEN", "ACKNOWLEDGED"],
                inline=True,
                className="filters",
            ),
            html.Div(table, id=Id.QUEUE_TABLE, **aria(live="polite")),
        ]
    )


def queue_table(
    alerts: Sequence[Mapping[str, Any]],
    labels: Mapping[str, str],
    t: Translator,
    now: dt.datetime,
) -> html.Div:
    if not alerts:
        return html.Div(html.P(t("alert.none")))
    header = html.Tr(
        [
            html.Th(t(f"queue.col.{c}"), scope="col")
            for c in ("priority", "participant", "rule", "state", "first_seen", "last_seen")
        ]
    )
    rows = []
    for alert in alerts:
        pid = str(pick(alert, "participant_id"))
        state = str(pick(alert, "state") or "")
        rows.append(
            html.Tr(
                [
                    html.Td(badge(str(pick(alert, "priority") or ""), t)),
                    html.Th(
                        dcc.Link(labels.get(pid, pid), href=href(f"participant/{pid}")), scope="row"
                    ),
                    html.Td(
                        [rule_name(t, alert)]
                        + (
                            [" ", html.Span(t("alert.retrospective"), className="tag")]
                            if pick(alert, "retrospective")
                            else []
                        )
                    ),
                    html.Td(t.get(f"state.{state}", state)),
                    html.Td(t.ago(as_time(pick(alert, "first_seen")), now)),
                    html.Td(t.datetime(as_time(pick(alert, "last_seen")))),
                ]
            )
        )
    return html.Div(
        [
            html.P(t("queue.count", n=t.number(len(alerts))), className="count"),
            html.Table([html.Thead(header), html.Tbody(rows)], className="table"),
        ]
    )
