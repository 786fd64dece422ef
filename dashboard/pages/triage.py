"""The triage list: who needs a call, why, in the API's order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dash import dcc, html

from analytics.clinical_constants import AF_BURDEN_MIN
from dashboard.i18n import Translator
from dashboard.ids import Id, Kind, pattern
from dashboard.model.glucose import OLDER_ADULT_TARGETS, SUFFICIENCY_MIN_PCT, Target
from dashboard.model.triage import TriageFilter, TriageRow, reviewed_today
from dashboard.pages.common import aria, badge, data, href

_TARGET = {target.key: target for target in OLDER_ADULT_TARGETS}
# TBR < 54 has no older-adult target (Battelino 2019 Table 2 gives "—"); any time below
# 54 mg/dL is flagged, as hypoglycaemia is the older adult's main danger.
_TBR54 = Target("tbr54", 0.0, lambda v, b: v <= b, "=")
# Rows drawn at first; "show more" adds as many again. The list is in order of urgency,
# so the first page holds who needs a call; filters and search cover the whole list.
PAGE_SIZE = 50


def triage_page(t: Translator, table: html.Div, more: bool) -> html.Div:
    """The list's page; "show more" only while more rows match than are shown."""
    return html.Div(
        [
            html.H1(t("triage.title")),
            html.P(t("triage.intro"), className="intro"),
            html.Div(
                [
                    dcc.Checklist(
                        id=Id.TRIAGE_FILTERS,
                        options=[
                            {"label": t(f"triage.filter.{f.value}"), "value": f.value}
                            for f in TriageFilter
                        ],
                        value=[],
                        inline=True,
                        className="filters",
                        inputClassName="filter-input",
                    ),
                    html.Label(
                        t("triage.search"), htmlFor=Id.TRIAGE_SEARCH, className="search-label"
                    ),
                    dcc.Input(
                        id=Id.TRIAGE_SEARCH,
                        type="search",
                        debounce=True,
                        placeholder=t("triage.search_placeholder"),
                        className="search",
                    ),
                ],
                className="toolbar",
            ),
            dcc.Store(id=Id.TRIAGE_LIMIT, data=PAGE_SIZE),
            html.Div(table, id=Id.TRIAGE_TABLE, **aria(live="polite")),
            html.Button(
                t("triage.show_more", n=PAGE_SIZE),
                id=Id.TRIAGE_MORE,
                className="button secondary",
                hidden=not more,
            ),
        ]
    )


def _value_vs_target(
    value: float | None, target: Target, t: Translator, *, judged: bool = True
) -> html.Span:
    """The share with a word for "meets target" or "outside target" (not colour alone);
    without a verdict when ``judged`` is False (under 70 % CGM wear)."""
    if value is None:
        return html.Span("—")
    goal = t("target.tooltip", symbol=target.symbol, bound=t.percent(target.bound))
    if not judged:
        word = t("target.not_judged")
        return html.Span(
            t.percent(value, 1),
            className="not-judged",  # plain ink: neither the green of met nor the warning
            title=f"{word} ({goal})",
            **aria(label=f"{t.percent(value, 1)}, {word}"),
        )
    met = target.compare(value, target.bound)
    word = t("target.met") if met else t("target.missed")
    # One element per cell keeps 1,000 rows fast; the word is in the accessible name.
    return html.Span(
        f"{t.percent(value, 1)} {'✓' if met else '✗'}",
        className="ok" if met else "off-target",
        title=f"{word} ({goal})",
        **aria(label=f"{t.percent(value, 1)}, {word}"),
    )


def _af_burden(row: TriageRow, t: Translator) -> html.Span | str:
    """The worst hour's AF-like share, or "below alert level" when worn and no AF alert."""
    tip = t("triage.af_tooltip", minutes=t.number(AF_BURDEN_MIN))
    if row.af_burden is not None:
        return html.Span(f"{t.percent(row.af_burden)} ✗", className="off-target", title=tip)
    if row.wear_time:
        return html.Span(t("triage.af_below"), title=tip)
    return "—"


def triage_table(
    rows: Sequence[TriageRow],
    total: int,
    t: Translator,
    now: dt.datetime,
    limit: int | None = PAGE_SIZE,
) -> html.Div:
    """The first ``limit`` of ``rows`` (all when None), saying how many match in all."""
    if not rows:
        return html.Div(html.P(t("triage.empty") if total == 0 else t("triage.no_match")))
    header = html.Tr([html.Th(t(f"triage.col.{c}"), scope="col") for c in _COLUMNS])
    shown = rows if limit is None else rows[:limit]
    body = [_row(row, t, now) for row in shown]
    return html.Div(
        [
            html.P(
                t(
                    "triage.count",
                    shown=t.number(len(shown)),
                    matching=t.number(len(rows)),
                    total=t.number(total),
                ),
                className="count",
            ),
            html.Table([html.Thead(header), html.Tbody(body)], className="table triage"),
        ]
    )


_COLUMNS = (
    "severity",
    "participant",
    "open_alerts",
    "tbr54",
    "tbr70",
    "tir",
    "af_burden",
    "last_seen",
    "wear",
    "battery",
    "reviewed",
)


def _row(row: TriageRow, t: Translator, now: dt.datetime) -> html.Tr:
    counts = (
        " · ".join(
            f"{t(f'priority.short.{p}')} {row.open_alerts[p]}"
            for p in ("HIGH", "MEDIUM", "LOW")
            if row.open_alerts.get(p)
        )
        or "—"
    )
    technical = (
        [html.Br(), html.Span(t("triage.technical", n=row.open_technical), className="technical")]
        if row.open_technical
        else []
    )
    done = reviewed_today(row, now)
    reviewed = [
        html.Div(
            t("triage.reviewed_by", who=row.reviewed_by or "?", at=t.datetime(row.reviewed_at))
            if row.reviewed_at
            else t("triage.not_reviewed")
        ),
        html.Button(
            t("triage.undo_review") if done else t("triage.mark_reviewed"),
            id=pattern(Kind.MARK_REVIEWED, row.participant_id),
            className="button small" + (" secondary" if done else ""),
            **data(undo="1" if done else "0"),
        ),
    ]
    judged = row.sufficiency is None or row.sufficiency >= SUFFICIENCY_MIN_PCT
    sufficiency = (
        [] if judged else [html.Br(), html.Span(t("insufficient"), className="insufficient")]
    )
    return html.Tr(
        [
            html.Td(badge(row.highest_priority, t)),
            html.Th(
                dcc.Link(row.label, href=href(f"participant/{row.participant_id}")), scope="row"
            ),
            html.Td([counts, *technical]),
            html.Td(_value_vs_target(row.tbr54, _TBR54, t, judged=judged)),
            html.Td(
                [_value_vs_target(row.tbr70, _TARGET["tbr70"], t, judged=judged), *sufficiency]
            ),
            html.Td(_value_vs_target(row.tir, _TARGET["tir"], t, judged=judged)),
            html.Td(_af_burden(row, t), className="af-burden"),
            html.Td(html.Span(t.ago(row.last_seen, now), title=t.datetime(row.last_seen))),
            html.Td(t.percent(row.wear_time)),
            html.Td(t.percent(row.battery)),
            html.Td(reviewed),
        ],
        className=f"row-{(row.highest_priority or 'none').lower()}",
    )
