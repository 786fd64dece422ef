"""What each URL shows: page bodies from API data (called by the thin callbacks).

Each function takes the clinician's session token and a Translator explicitly, so tests
call them directly; API errors become a sign-in redirect or a message, never a crash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from dashboard import api as api_errors
from dashboard.api import ClinicalApi
from dashboard.i18n import DISPLAY_ZONE, Translator
from dashboard.model.burden import parse_burden
from dashboard.model.heart import HeartWindow, analyse_rr
from dashboard.model.participant import ParticipantView, Series, parse_participant, parse_series
from dashboard.model.shapes import as_float, as_time, pick
from dashboard.model.triage import filter_rows, parse_rows
from dashboard.pages import alerts as alert_pages
from dashboard.pages.burden import burden_page
from dashboard.pages.common import href, message
from dashboard.pages.login import login_page
from dashboard.pages.participant import participant_page
from dashboard.pages.triage import PAGE_SIZE, triage_page, triage_table

Clock = Callable[[], dt.datetime]
# The heart window (HRV, AF share, Poincaré) reads raw RR intervals; a bounded window
# keeps the request small: an hour at 60-100 bpm is 3,600-6,000 intervals, six hours at
# most ~36,000, under the API's 100,000-row limit.
POINCARE_DEFAULT = dt.timedelta(hours=1)
POINCARE_MAX = dt.timedelta(hours=6)
# The page's heart summary (HRV medians, AF burden and episodes) covers the same six
# hours at most: the API reads and analyses only these beats (~27,000; a day's ~100,000
# took over a second per page load on a loaded 2-core server, bench/participant_api.py).
HEART_SUMMARY_HOURS = 6
# The timeline spans the consensus report's 14 days (the API's trend limit).
TIMELINE_HOURS = 14 * 24
# The readings endpoint serves at most 24 h per request.
READINGS_CHUNK = dt.timedelta(hours=24)
# A CGM reports LOW below 40 mg/dL and HIGH above 400 (the common sensor range); the
# trace draws them just outside it so that a LOW run is seen as very low, not as a gap.
CENSORED_LOW_DRAWN = 39.0
CENSORED_HIGH_DRAWN = 401.0
_PARTICIPANT_PATH = re.compile(r"^participant/([A-Za-z0-9-]{1,64})$")


@dataclass(frozen=True)
class Context:
    api: ClinicalApi
    clock: Clock


@dataclass(frozen=True)
class Redirect:
    to: str


Page = Redirect | Any


def login_redirect(reason: str) -> Redirect:
    return Redirect(href(f"login?error={reason}"))


def render(
    ctx: Context, token: str | None, t: Translator, pathname: str | None, search: str | None
) -> Page:
    """The body for ``pathname``; a Redirect when the session is missing or gone."""
    path = (pathname or href("")).removeprefix(href("")).strip("/")
    if path == "login":
        error = (search or "").removeprefix("?").partition("error=")[2].partition("&")[0]
        return login_page(t, error or None)
    if not token:
        return login_redirect("expired") if pathname and path else Redirect(href("login"))
    try:
        if path == "":
            return triage_view(ctx, token, t, [], None)
        if path == "alerts":
            return alert_pages.queue_page(t, queue_view(ctx, token, t, ["OPEN", "ACKNOWLEDGED"]))
        if path == "burden":
            return burden_page(parse_burden(ctx.api.alert_burden(token)), t)
        match = _PARTICIPANT_PATH.match(path)
        if match:
            return participant_view(ctx, token, t, match.group(1))
        return html.Div([html.H1(t("not_found.title")), html.P(t("not_found.page"))])
    except api_errors.SessionExpired:
        return login_redirect("expired")
    except api_errors.NotFound:
        return html.Div(
            [html.H1(t("not_found.title")), message(t("not_found.participant"), "error")]
        )
    except api_errors.Forbidden:
        return html.Div([html.H1(t("forbidden.title")), message(t("forbidden.text"), "error")])
    except api_errors.ApiError as exc:
        return html.Div(
            [html.H1(t("error.title")), message(t("error.api", detail=exc.message), "error")]
        )


def triage_view(
    ctx: Context, token: str, t: Translator, filters: list[str], search: str | None
) -> Any:
    table, more = triage_rows(ctx, token, t, filters, search, PAGE_SIZE)
    return triage_page(t, table, more)


def triage_rows(
    ctx: Context,
    token: str,
    t: Translator,
    filters: list[str],
    search: str | None,
    limit: int | None,
) -> tuple[Any, bool]:
    """The table of the first ``limit`` matching rows, and whether more match."""
    now = ctx.clock()
    rows = parse_rows(ctx.api.triage(token))
    shown = filter_rows(rows, filters, search, now)
    more = limit is not None and len(shown) > limit
    return triage_table(shown, len(rows), t, now, limit), more


def queue_view(ctx: Context, token: str, t: Translator, states: list[str]) -> Any:
    alerts = [a for s in states for a in ctx.api.alerts(token, state=s)]
    alerts.sort(key=alert_urgency)
    # Alerts carry ids only; the triage list (same care-team scope) names the participants.
    labels = {row.participant_id: row.label for row in parse_rows(ctx.api.triage(token))}
    return alert_pages.queue_table(alerts, labels, t, ctx.clock())


_PRIORITY_RANK = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
_KIND_RANK = {"physiological": 0, "wellbeing": 1, "technical": 2}


def alert_urgency(alert: Any) -> tuple[int, int, int, float]:
    """Priority, then clinical before technical, then open before acknowledged, then newest.

    An acknowledged HIGH alert stays above an open LOW one: it still needs resolving.
    """
    started = as_time(pick(alert, "first_seen"))
    return (
        _PRIORITY_RANK.get(str(pick(alert, "priority")), 3),
        _KIND_RANK.get(str(pick(alert, "kind")), 3),
        0 if pick(alert, "state") == "OPEN" else 1,
        -(started.timestamp() if started else 0.0),
    )


def participant_alerts(
    ctx: Context, token: str, participant_id: str
) -> tuple[list[Any], dict[str, Any]]:
    """Unresolved alerts, most urgent first, with each one's history."""
    alerts = [
        a
        for s in ("OPEN", "ACKNOWLEDGED")
        for a in ctx.api.alerts(token, participant_id=participant_id, state=s)
    ]
    alerts.sort(key=alert_urgency)
    histories = {
        str(pick(a, "id", "alert_id")): ctx.api.alert_history(token, str(pick(a, "id", "alert_id")))
        for a in alerts
    }
    return alerts, histories


def default_heart_window(view: ParticipantView) -> tuple[dt.datetime, dt.datetime] | None:
    """The newest hour of heart data (trend buckets are labelled by their start)."""
    if not len(view.heart_rate):
        return None
    last = view.heart_rate.times[-1] + dt.timedelta(minutes=5)
    return last - POINCARE_DEFAULT, last


def newest_heart_window(
    heart_end: dt.datetime | None,
) -> tuple[dt.datetime, dt.datetime] | None:
    """The hour the heart charts show before any zoom: the newest hour of heart data."""
    if heart_end is None:
        return None
    return heart_end - POINCARE_DEFAULT, heart_end


def zoomed_heart_window(
    relayout: dict[str, Any] | None,
) -> tuple[dt.datetime, dt.datetime] | None:
    """The timeline's zoomed range when it is at most 6 hours; None for anything else.

    Anything else (a resize, a reset, a zoom wider than 6 hours) leaves the heart charts
    as they are: RR statistics over a wider span would hide the episode being looked at.
    """
    start, end = parse_relayout(relayout)
    if start is not None and end is not None and dt.timedelta(0) < end - start <= POINCARE_MAX:
        return start, end
    return None


def heart_window(
    ctx: Context,
    token: str,
    participant_id: str,
    window: tuple[dt.datetime, dt.datetime] | None,
) -> HeartWindow:
    if window is None:
        return analyse_rr([], [])
    body = ctx.api.readings(token, participant_id, "rr_interval", *window)
    series = parse_series(pick(body, "items"), "value")
    return analyse_rr(series.times, series.values)


def glucose_trace(
    ctx: Context, token: str, participant_id: str, end: dt.datetime, hours: int
) -> Series:
    """Raw CGM readings over ``hours`` before ``end``, read in the API's 24-h windows."""
    times: list[dt.datetime] = []
    values: list[float | None] = []
    start = end - dt.timedelta(hours=hours)
    while start < end:
        stop = min(start + READINGS_CHUNK, end)
        body = ctx.api.readings(token, participant_id, "glucose", start, stop)
        for item in pick(body, "items") or []:
            at = as_time(pick(item, "measured_at"))
            if at is None:
                continue
            flags = pick(item, "flags") or ()
            value = as_float(pick(item, "value"))
            if value is None and "censored_low" in flags:
                value = CENSORED_LOW_DRAWN
            elif value is None and "censored_high" in flags:
                value = CENSORED_HIGH_DRAWN
            times.append(at)
            values.append(value)
        start = stop
    return Series(tuple(times), tuple(values))


def window_label(t: Translator, window: tuple[dt.datetime, dt.datetime] | None) -> str:
    if window is None:
        return "—"
    return f"{t.datetime(window[0])} – {t.datetime(window[1])}"


def load_participant(ctx: Context, token: str, participant_id: str) -> ParticipantView:
    """The participant with 14 days of trends; the glucose trace from raw readings when
    the API's trends do not carry it."""
    view = parse_participant(
        ctx.api.participant(token, participant_id, TIMELINE_HOURS, HEART_SUMMARY_HOURS)
    )
    if not len(view.glucose):
        end = view.window_end or ctx.clock()
        view = dataclasses.replace(
            view, glucose=glucose_trace(ctx, token, participant_id, end, TIMELINE_HOURS)
        )
    return view


def participant_view(ctx: Context, token: str, t: Translator, participant_id: str) -> Any:
    view = load_participant(ctx, token, participant_id)
    alerts, histories = participant_alerts(ctx, token, participant_id)
    window = default_heart_window(view)
    end = window[1] if window else None
    return participant_page(view, alerts, histories, end, t, ctx.clock())


_RANGE_KEY = re.compile(r"^xaxis\d*\.range\[([01])\]$")


def parse_relayout(
    relayout: dict[str, Any] | None,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The x range of a zoom on the timeline (Seoul wall-clock strings) as aware datetimes.

    The rows share one x axis, so a zoom on any row (``xaxis``, ``xaxis2``, ...) counts.
    """
    if not relayout:
        return None, None
    bounds: dict[str, Any] = {}
    for key, value in relayout.items():
        match = _RANGE_KEY.match(key)
        if match:
            bounds[match.group(1)] = value
        elif re.match(r"^xaxis\d*\.range$", key) and isinstance(value, list) and len(value) == 2:
            bounds = {"0": value[0], "1": value[1]}
    if "0" not in bounds or "1" not in bounds:
        return None, None
    try:
        start = dt.datetime.fromisoformat(str(bounds["0"])).replace(tzinfo=DISPLAY_ZONE)
        end = dt.datetime.fromisoformat(str(bounds["1"])).replace(tzinfo=DISPLAY_ZONE)
    except ValueError:
        return None, None
    return start, end


def redirect_component(page: Redirect) -> dcc.Location:
    return dcc.Location(id="redirect-to", href=page.to, refresh=True)
