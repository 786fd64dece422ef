"""Thin Dash callbacks: read the session from the request, call the view, show the result.

Callbacks are plain POST endpoints, so every one re-reads the session cookie and passes
the token to the API, which checks the session (idle and absolute expiry, revocation)
and the care-team scope on every call. CSRF is checked before any callback runs
(``dashboard.app``); the actions here also refuse to act without a real click.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask
import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import api as api_errors
from dashboard import views
from dashboard.figures.style import base_layout, empty_note
from dashboard.i18n import Translator, pick_language
from dashboard.ids import Id, Kind
from dashboard.model.shapes import as_time
from dashboard.model.triage import parse_rows, reviewed_today
from dashboard.pages import alerts as alert_pages
from dashboard.pages.common import PREFIX, language_links, message
from dashboard.pages.participant import heart_window_figures
from dashboard.pages.triage import PAGE_SIZE
from dashboard.session import LANG_COOKIE, SESSION_COOKIE


def request_translator() -> Translator:
    return Translator(pick_language(flask.request.cookies.get(LANG_COOKIE)))


def request_token() -> str | None:
    return flask.request.cookies.get(SESSION_COOKIE) or None


def _require_token() -> str:
    token = request_token()
    if token is None:
        raise _Expired
    return token


class _Expired(Exception):
    pass


def _expired_redirect() -> Any:
    return views.redirect_component(views.login_redirect("expired"))


def route(c: views.Context, pathname: str | None, search: str | None) -> tuple[Any, Any, Any]:
    t = request_translator()
    page = views.render(c, request_token(), t, pathname, search)
    languages = language_links(t, pathname or PREFIX)
    if isinstance(page, views.Redirect):
        return html.P(t("loading")), views.redirect_component(page), languages
    return page, None, languages


def triage_update(
    c: views.Context,
    filters: list[str] | None,
    search: str | None,
    limit: int | None,
) -> tuple[Any, Any, Any, Any]:
    """Redraw the list after a filter, a search, "show more" or a "mark reviewed" click."""
    t = request_translator()
    trigger = ctx.triggered_id if ctx.triggered else None
    clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
    limit = limit or PAGE_SIZE
    try:
        token = _require_token()
        if isinstance(trigger, dict) and trigger.get("type") == Kind.MARK_REVIEWED:
            if not clicked:
                raise PreventUpdate
            pid = str(trigger["key"])
            rows = {r.participant_id: r for r in parse_rows(c.api.triage(token))}
            row = rows.get(pid)
            undo = row is not None and reviewed_today(row, c.clock())
            c.api.mark_reviewed(token, pid, undo=undo)
        elif trigger == Id.TRIAGE_MORE:
            if not clicked:
                raise PreventUpdate
            limit += PAGE_SIZE
        elif trigger in (Id.TRIAGE_FILTERS, Id.TRIAGE_SEARCH):
            limit = PAGE_SIZE
        table, more = views.triage_rows(c, token, t, filters or [], search, limit)
        return table, limit, no_update, not more
    except (_Expired, api_errors.SessionExpired):
        return no_update, no_update, _expired_redirect(), no_update
    except api_errors.ApiError as exc:
        error = message(t("error.api", detail=exc.message), "error")
        return error, no_update, no_update, no_update


def alert_action(
    c: views.Context,
    participant_id: str | None,
    reasons: list[str | None],
    notes: list[str | None],
    minutes: list[int | None],
    snooze_reasons: list[str | None],
) -> tuple[Any, Any, Any]:
    """Acknowledge, resolve or snooze the alert whose button was clicked; then redraw."""
    t = request_translator()
    trigger = ctx.triggered_id if ctx.triggered else None
    if not isinstance(trigger, dict) or not participant_id or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    alert_id, kind = str(trigger["key"]), trigger["type"]
    states = _states_by_key(ctx.states_list)
    try:
        token = _require_token()
        if kind == Kind.ACKNOWLEDGE:
            c.api.acknowledge(token, alert_id)
            done = t("alert.done.acknowledged")
        elif kind == Kind.RESOLVE:
            reason = states.get((Kind.RESOLVE_REASON, alert_id))
            if not reason:
                return no_update, message(t("alert.reason_required"), "error"), no_update
            c.api.resolve(token, alert_id, reason, states.get((Kind.RESOLVE_NOTE, alert_id)))
            done = t("alert.done.resolved")
        elif kind == Kind.SNOOZE:
            why = (states.get((Kind.SNOOZE_REASON, alert_id)) or "").strip()
            if not why:
                return no_update, message(t("alert.snooze_reason_required"), "error"), no_update
            span = int(states.get((Kind.SNOOZE_MINUTES, alert_id)) or 60)
            c.api.snooze(token, alert_id, span, why)
            done = t("alert.done.snoozed")
        else:
            raise PreventUpdate
        alerts, histories = views.participant_alerts(c, token, participant_id)
        return alert_pages.alert_list(alerts, histories, t), message(done, "ok"), no_update
    except (_Expired, api_errors.SessionExpired):
        return no_update, no_update, _expired_redirect()
    except api_errors.ApiError as exc:
        return no_update, message(t("error.api", detail=exc.message), "error"), no_update


def _states_by_key(states_list: list[Any]) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for group in states_list:
        for item in group if isinstance(group, list) else [group]:
            ident = item.get("id")
            if isinstance(ident, dict):
                found[(ident["type"], str(ident["key"]))] = item.get("value")
    return found


def heart_window_first(
    c: views.Context, participant_id: str | None, heart_end: str | None
) -> tuple[Any, Any, Any]:
    """HRV, AF share and Poincaré for the newest hour, once the participant page is up."""
    if not participant_id:
        raise PreventUpdate
    return _heart_window(c, participant_id, views.newest_heart_window(as_time(heart_end)))


def heart_window_zoom(
    c: views.Context, participant_id: str | None, relayout: dict[str, Any] | None
) -> tuple[Any, Any, Any]:
    """HRV, AF share and Poincaré for the timeline's zoomed range (<= 6 h)."""
    window = views.zoomed_heart_window(relayout)
    if not participant_id or window is None:
        raise PreventUpdate
    return _heart_window(c, participant_id, window)


def _heart_window(
    c: views.Context, participant_id: str, window: tuple[dt.datetime, dt.datetime] | None
) -> tuple[Any, Any, Any]:
    t = request_translator()
    try:
        heart = views.heart_window(c, _require_token(), participant_id, window)
    except (_Expired, api_errors.SessionExpired):
        return _noted(t("heart.window_expired"))
    except api_errors.ApiError as exc:
        # Never leave "Loading…" on the charts: say why they are empty.
        return _noted(t("error.api", detail=exc.message))
    return heart_window_figures(heart, views.window_label(t, window), t)


def _noted(text: str) -> tuple[Any, Any, Any]:
    hrv, af, poincare = (empty_note(base_layout(go.Figure(), ""), text) for _ in range(3))
    return hrv, af, poincare


def queue_update(c: views.Context, states: list[str] | None) -> tuple[Any, Any]:
    t = request_translator()
    try:
        return views.queue_view(c, _require_token(), t, states or []), no_update
    except (_Expired, api_errors.SessionExpired):
        return no_update, _expired_redirect()
    except api_errors.ApiError as exc:
        return message(t("error.api", detail=exc.message), "error"), no_update


def register(app: Dash, c: views.Context) -> None:
    app.callback(
        Output(Id.PAGE, "children"),
        Output(Id.REDIRECT, "children"),
        Output(Id.LANGUAGES, "children"),
        Input(Id.URL, "pathname"),
        Input(Id.URL, "search"),
    )(lambda pathname, search: route(c, pathname, search))

    app.callback(
        Output(Id.TRIAGE_TABLE, "children"),
        Output(Id.TRIAGE_LIMIT, "data"),
        Output(Id.REDIRECT, "children", allow_duplicate=True),
        Output(Id.TRIAGE_MORE, "hidden"),
        Input(Id.TRIAGE_FILTERS, "value"),
        Input(Id.TRIAGE_SEARCH, "value"),
        Input(Id.TRIAGE_MORE, "n_clicks"),
        Input({"type": Kind.MARK_REVIEWED, "key": ALL}, "n_clicks"),
        State(Id.TRIAGE_LIMIT, "data"),
        prevent_initial_call=True,
    )(lambda filters, search, _more, _marks, limit: triage_update(c, filters, search, limit))

    app.callback(
        Output(Id.ALERT_LIST, "children"),
        Output(Id.ALERT_STATUS, "children"),
        Output(Id.REDIRECT, "children", allow_duplicate=True),
        Input({"type": Kind.ACKNOWLEDGE, "key": ALL}, "n_clicks"),
        Input({"type": Kind.RESOLVE, "key": ALL}, "n_clicks"),
        Input({"type": Kind.SNOOZE, "key": ALL}, "n_clicks"),
        State(Id.PARTICIPANT_ID, "data"),
        State({"type": Kind.RESOLVE_REASON, "key": ALL}, "value"),
        State({"type": Kind.RESOLVE_NOTE, "key": ALL}, "value"),
        State({"type": Kind.SNOOZE_MINUTES, "key": ALL}, "value"),
        State({"type": Kind.SNOOZE_REASON, "key": ALL}, "value"),
        prevent_initial_call=True,
    )(
        lambda _a, _r, _s, pid, reasons, notes, minutes, why: alert_action(
            c, pid, reasons, notes, minutes, why
        )
    )

    # The first draw and the zooms are two callbacks. Dash keeps only the newest answer
    # of a callback, so with one callback the relayout that follows every first plot (the
    # graph sizing itself) superseded the first draw and, being no zoom, left the charts on
    # "Loading…" for good whenever it came before the first draw's answer (a loaded CI
    # machine showed this).
    app.callback(
        Output(Id.HRV, "figure"),
        Output(Id.AF, "figure"),
        Output(Id.POINCARE, "figure"),
        Input(Id.PARTICIPANT_ID, "data"),
        State(Id.HEART_END, "data"),
    )(lambda pid, end: heart_window_first(c, pid, end))

    app.callback(
        Output(Id.HRV, "figure", allow_duplicate=True),
        Output(Id.AF, "figure", allow_duplicate=True),
        Output(Id.POINCARE, "figure", allow_duplicate=True),
        Input(Id.TIMELINE, "relayoutData"),
        State(Id.PARTICIPANT_ID, "data"),
        prevent_initial_call=True,
    )(lambda relayout, pid: heart_window_zoom(c, pid, relayout))

    app.callback(
        Output(Id.QUEUE_TABLE, "children"),
        Output(Id.REDIRECT, "children", allow_duplicate=True),
        Input(Id.QUEUE_FILTERS, "value"),
        prevent_initial_call=True,
    )(lambda states: queue_update(c, states))
