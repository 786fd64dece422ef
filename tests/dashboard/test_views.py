"""Views and callbacks called directly, against the API's JSON served over HTTP in-process.

The clinical API itself is tested in tests/ingest; here it is the JSON of its schemas
(``samples``), so that each page's reaction to each answer (data, 401, 404) is pinned.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
import plotly.graph_objects as go

from dashboard.api import ClinicalApi
from dashboard.i18n import Translator
from dashboard.ids import Id
from dashboard.views import (
    Context,
    Redirect,
    newest_heart_window,
    parse_relayout,
    render,
    zoomed_heart_window,
)
from tests.dashboard import samples

PID = "7f1c1d2e-0000-4000-8000-000000000001"


def _api(handler: Callable[[httpx.Request], httpx.Response]) -> Context:
    api = ClinicalApi("http://api.test", transport=httpx.MockTransport(handler))
    return Context(api=api, clock=lambda: samples.NOW)


def _serve(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.headers.get("Authorization") != "Bearer good":
        return httpx.Response(401, json={"detail": "sign in again"})
    if path == "/api/v1/triage":
        items = [samples.triage_item(f"p{i}", f"대상자{i}") for i in range(120)]
        return httpx.Response(200, json={"items": items})
    if path == f"/api/v1/participants/{PID}":
        assert request.url.params["hours"] == "336"
        return httpx.Response(200, json=samples.participant(PID, "김영희"))
    if path == f"/api/v1/participants/{PID}/readings":
        return httpx.Response(
            200,
            json={
                "participant_id": PID,
                "metric": "rr_interval",
                "from": request.url.params["from"],
                "to": request.url.params["to"],
                "items": [],
            },
        )
    if path == "/api/v1/alerts":
        state = request.url.params.get("state")
        items = [samples.alert("a1", PID, "hypo_level2", "HIGH")] if state == "OPEN" else []
        return httpx.Response(200, json={"items": items})
    if path == "/api/v1/alerts/a1/history":
        return httpx.Response(
            200,
            json={
                "items": [{"at": samples.iso(samples.NOW), "actor": "worker", "action": "opened"}]
            },
        )
    return httpx.Response(404, json={"detail": "Not Found"})


def _text(component: Any) -> str:
    return json.dumps(component.to_plotly_json(), ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if hasattr(value, "to_plotly_json"):
        return value.to_plotly_json()
    if isinstance(value, go.Figure):
        return value.to_dict()
    return str(value)


def test_without_a_session_every_page_sends_to_sign_in() -> None:
    c = _api(_serve)
    page = render(c, None, Translator("ko"), "/dashboard/", "")
    assert page == Redirect("/dashboard/login")
    page = render(c, "expired", Translator("ko"), f"/dashboard/participant/{PID}", "")
    assert page == Redirect("/dashboard/login?error=expired")


def test_triage_shows_the_first_page_in_api_order() -> None:
    page = render(_api(_serve), "good", Translator("ko"), "/dashboard/", "")
    text = _text(page)
    assert "대상자0" in text
    assert "대상자49" in text
    assert "대상자50" not in text  # the first 50; "show more" adds the rest
    assert "조건에 맞는 120명 중 50명 표시" in text


def test_participant_page_has_timeline_agp_and_the_open_alert() -> None:
    page = render(_api(_serve), "good", Translator("en"), f"/dashboard/participant/{PID}", "")
    text = _text(page)
    assert "Participant 김영희" in text
    assert "Glucose &lt; 54 mg/dL" in text or "Glucose < 54 mg/dL" in text
    assert "Acknowledge" in text
    assert "High-priority alerts cannot be snoozed." in text
    assert "Ambulatory glucose profile" in text
    assert "Problem at" not in text  # the data path is fine in this sample


def test_a_participant_outside_the_team_is_not_found() -> None:
    other = "7f1c1d2e-0000-4000-8000-000000000002"
    page = render(_api(_serve), "good", Translator("ko"), f"/dashboard/participant/{other}", "")
    assert "담당 팀 소속이 아닙니다" in _text(page)


def test_zoom_ranges_are_read_as_seoul_time() -> None:
    start, end = parse_relayout(
        {"xaxis3.range[0]": "2026-12-06 09:00", "xaxis3.range[1]": "2026-12-06 10:30"}
    )
    assert start == dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC)
    assert end is not None
    assert end - start == dt.timedelta(minutes=90)


def _graph(component: Any, graph_id: str) -> Any:
    """The dcc.Graph with this id anywhere under the component, else None."""
    if getattr(component, "id", None) == graph_id and hasattr(component, "figure"):
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _graph(child, graph_id)
            if found is not None:
                return found
    return None


def test_the_timeline_keeps_a_zoom_per_participant() -> None:
    page = render(_api(_serve), "good", Translator("en"), f"/dashboard/participant/{PID}", "")
    timeline = _graph(page, Id.TIMELINE)
    assert timeline is not None
    # Redraws from a figure unaware of the zoom keep it; another participant starts fresh.
    assert timeline.figure.layout.uirevision == PID


def test_only_a_zoom_of_at_most_six_hours_moves_the_heart_charts() -> None:
    def zoom(start: str, end: str) -> dict[str, str]:
        return {"xaxis.range[0]": start, "xaxis.range[1]": end}

    window = zoomed_heart_window(zoom("2026-12-06 09:00", "2026-12-06 15:00"))
    assert window is not None
    assert window[1] - window[0] == dt.timedelta(hours=6)
    assert zoomed_heart_window(zoom("2026-12-06 09:00", "2026-12-06 15:01")) is None
    assert zoomed_heart_window(zoom("2026-12-06 09:00", "2026-12-06 09:00")) is None
    # The graph sizing itself, a double-click reset, nothing at all.
    assert zoomed_heart_window({"autosize": True}) is None
    assert zoomed_heart_window({"xaxis.autorange": True}) is None
    assert zoomed_heart_window(None) is None
    end = dt.datetime(2026, 12, 6, 1, 5, tzinfo=dt.UTC)
    assert newest_heart_window(end) == (end - dt.timedelta(hours=1), end)
    assert newest_heart_window(None) is None


def test_the_first_heart_draw_cannot_be_superseded_by_a_relayout() -> None:
    """Dash keeps only the newest answer of a callback: the first draw of the heart charts
    must not share its callback with the timeline's relayouts, or the sizing relayout that
    follows every first plot can cancel it and leave the charts loading for good."""
    from dashboard.app import create_dashboard

    # What the browser is told: the dependency list Dash serves to its renderer.
    client = create_dashboard("http://api.test").server.test_client()
    callbacks = client.get("/_dash-dependencies").get_json()
    heart = [cb for cb in callbacks if cb["output"].startswith("..hrv.figure")]
    inputs = [[i["id"] for i in cb["inputs"]] for cb in heart]
    assert sorted(inputs) == [[Id.PARTICIPANT_ID], [Id.TIMELINE]]
    zoom = heart[inputs.index([Id.TIMELINE])]
    assert zoom["prevent_initial_call"]


def test_triage_shows_af_burden_or_below_alert_level_or_nothing_when_not_worn() -> None:
    from dashboard.model.triage import parse_rows
    from dashboard.pages.triage import triage_table

    rows = parse_rows(
        [
            samples.triage_item("p1", "af", af_burden_pct_24h=41.0),
            samples.triage_item("p2", "calm"),
            samples.triage_item("p3", "unworn", wear_pct_24h=0.0),
        ]
    )
    text = _text(triage_table(rows, 3, Translator("en"), samples.NOW))
    assert text.count('"className": "af-burden"') == 3
    assert "41% ✗" in text
    assert text.count("below alert level") == 1
    assert "5 min in an hour" in text


def test_burden_page_says_why_rates_are_missing_for_a_new_cohort_in_both_languages() -> None:
    from dashboard.model.burden import parse_burden
    from dashboard.pages.burden import burden_page

    new = {
        "alerts": 3,
        "participant_days": 0.25,
        "alerts_per_participant_day": None,
        "rate_withheld": "0.25 participant-days in the period; rates are given from 1",
        "rules": [{"rule_id": "hypo_level2", "alerts": 3, "alerts_per_participant_day": None}],
    }
    for lang, words in (("en", "so far 0.25"), ("ko", "현재 0.25")):
        text = json.dumps(burden_page(parse_burden(new), Translator(lang)).to_plotly_json(),
                          default=str, ensure_ascii=False)  # fmt: skip
        assert words in text
    running = {**new, "participant_days": 40.0, "alerts_per_participant_day": 0.075}
    text = json.dumps(
        burden_page(parse_burden(running), Translator("en")).to_plotly_json(), default=str
    )
    assert "so far" not in text
    assert "0.08" in text
    assert "leave out" not in text
    # Alerts about history uploaded at enrolment are counted but left out of the rates.
    backfilled = {**running, "alerts_before_monitoring": 2}
    for lang, words in (("en", "leave out 2 alerts"), ("ko", "알림 2건이 빠져")):
        text = json.dumps(burden_page(parse_burden(backfilled), Translator(lang)).to_plotly_json(),
                          default=str, ensure_ascii=False)  # fmt: skip
        assert words in text


def test_glucose_shares_get_no_verdict_under_70_percent_wear_in_triage_and_the_page() -> None:
    from dashboard.model.glucose import summary_from_metrics
    from dashboard.model.triage import parse_rows
    from dashboard.pages.participant import glucose_metrics
    from dashboard.pages.triage import triage_table

    few = {"tbr54_pct": 16.2, "tbr70_pct": 16.2, "tir_pct": 83.8, "readings": 40}
    rows = parse_rows(
        [
            samples.triage_item("p1", "worn"),
            samples.triage_item(
                "p2", "barely", glucose_14d={**few, "sufficiency_pct": 1.0, "sufficient": False}
            ),
        ]
    )
    for lang, words in (("en", "not judged: too little CGM data"), ("ko", "판정하지 않음")):
        text = _text(triage_table(rows[1:], 1, Translator(lang), samples.NOW))
        assert "✓" not in text
        assert "✗" not in text
        # time < 54, time < 70 and time in range: each in its title and accessible name
        assert text.count(words) == 6
    worn = _text(triage_table(rows[:1], 1, Translator("en"), samples.NOW))
    assert worn.count("✓") == 3
    assert "not judged" not in worn

    import dataclasses

    from dashboard.model.participant import parse_participant

    view = parse_participant(samples.participant("p1", "barely"))
    metrics = {"active_percent": 1.0, "below_54": 16.2, "below_70": 16.2, "in_range_70_180": 83.8}
    view = dataclasses.replace(view, glucose_summary=summary_from_metrics(metrics))
    page = _text(glucose_metrics(view, Translator("en")))
    assert "✓" not in page
    assert "✗" not in page
    assert "not judged: too little CGM data" in page
    metrics["active_percent"] = 90.0
    view = dataclasses.replace(view, glucose_summary=summary_from_metrics(metrics))
    page = _text(glucose_metrics(view, Translator("en")))
    assert "✓" in page
    assert "✗" in page
    assert "not judged" not in page
