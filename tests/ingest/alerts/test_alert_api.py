"""The alert API through HTTP: scoped lists, actions, history, burden, thresholds, dry-run."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from ingest.alerts.worker import Worker
from tests.ingest.alerts.helpers import SimClock, cgm_rows, start_of_real_minute, store
from tests.ingest.auth.helpers import add_account, assign, bearer, token_of
from tests.ingest.conftest import Home
from wearmon.cli import main

M = dt.timedelta(minutes=1)


@pytest.fixture
def client(api: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api, timeout=30) as c:
        yield c


@pytest.fixture
def hypo(db_url: str, home: Home) -> Home:
    """``home`` with an open hypo_level2 HIGH alert (live) raised by the worker."""
    t0 = start_of_real_minute() - 135 * M
    store(db_url, cgm_rows(home, t0, [110.0] * 24 + [50.0] * 4))
    worker = Worker(db_url, clock=SimClock(t0 + 135 * M))
    try:
        worker.run_pass()
    finally:
        worker.close()
    return home


def _enrolled_ago(db_url: str, home: Home, ago: str) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "UPDATE participants SET enrolled_at = now() - %s::interval WHERE participant_id = %s",
            (ago, home.participant_id),
        )


def _nurses(db_url: str, home: Home) -> None:
    add_account(db_url, "nurse.kim", team="ward-a")
    add_account(db_url, "nurse.lee", team="ward-b")
    add_account(db_url, "researcher.cho", role="researcher")
    assign(db_url, "ward-a", home.participant_id)


def test_a_clinician_acknowledges_and_resolves_and_the_audit_shows_each_step(
    db_url: str, hypo: Home, client: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    _nurses(db_url, hypo)
    kim = bearer(token_of(client, "nurse.kim"))
    listed = client.get(
        "/api/v1/alerts",
        params={"participant_id": str(hypo.participant_id), "state": "OPEN", "priority": "HIGH"},
        headers=kim,
    )
    assert listed.status_code == 200, listed.text
    (alert,) = [a for a in listed.json()["items"] if a["rule_id"] == "hypo_level2"]
    for field in (
        "rule_version",
        "kind",
        "retrospective",
        "first_seen",
        "last_seen",
        "occurrence_count",
        "worst_value",
        "evidence",
        "acknowledged_by",
        "resolved_by",
        "resolution",
    ):
        assert field in alert
    assert alert["evidence"]["window"]["start"]
    aid = alert["id"]

    snoozed = client.post(
        f"/api/v1/alerts/{aid}/snooze", json={"minutes": 30, "reason": "x"}, headers=kim
    )
    assert snoozed.status_code == 409
    assert "HIGH alerts cannot be snoozed" in snoozed.json()["detail"]
    acked = client.post(f"/api/v1/alerts/{aid}/acknowledge", headers=kim)
    assert acked.status_code == 200, acked.text
    assert (acked.json()["state"], acked.json()["acknowledged_by"]) == ("ACKNOWLEDGED", "nurse.kim")
    bad = client.post(f"/api/v1/alerts/{aid}/resolve", json={"reason": "bored"}, headers=kim)
    assert bad.status_code == 422
    resolved = client.post(
        f"/api/v1/alerts/{aid}/resolve",
        json={"reason": "actionable", "note": "called, juice given"},
        headers=kim,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolution"] == "actionable"
    history = client.get(f"/api/v1/alerts/{aid}/history", headers=kim).json()
    actions = [e["action"] for e in history["items"]]
    assert actions[0] == "opened"
    assert actions[-2:] == ["acknowledged", "resolved"]
    assert history["items"][-1]["actor"] == "nurse.kim"

    lee = bearer(token_of(client, "nurse.lee"))
    others = client.get(
        "/api/v1/alerts", params={"participant_id": str(hypo.participant_id)}, headers=lee
    )
    assert others.status_code == 404
    assert client.get(f"/api/v1/alerts/{aid}/history", headers=lee).status_code == 404
    assert client.post(f"/api/v1/alerts/{aid}/acknowledge", headers=lee).status_code == 404
    assert client.get("/api/v1/alerts", headers=lee).json()["items"] == []
    cho = bearer(token_of(client, "researcher.cho"))
    assert client.get("/api/v1/alerts", headers=cho).status_code == 403

    assert (
        main(
            [
                "audit",
                "list",
                "--participant",
                str(hypo.participant_id),
                "--database-url",
                db_url,
                "--json",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    rows = json.loads(out)
    rows = rows["items"] if isinstance(rows, dict) else rows
    mine = [(r["actor"], r["action"], r["outcome"]) for r in rows]
    for step in ("alert.opened", "alert.acknowledged", "alert.resolved"):
        assert any(a == step for _, a, _ in mine), step
    assert ("nurse.kim", "alert.acknowledged", "success") in mine
    assert any(actor == "nurse.lee" and outcome == "denied" for actor, _, outcome in mine)


def test_alert_burden_counts_per_participant_day_and_non_actionable_share(
    db_url: str, hypo: Home, client: httpx.Client
) -> None:
    _nurses(db_url, hypo)
    kim = bearer(token_of(client, "nurse.kim"))
    items = client.get("/api/v1/alerts", params={"kind": "physiological"}, headers=kim).json()[
        "items"
    ]
    assert len(items) >= 2
    for i, a in enumerate(items):  # the first actionable, the others not
        reason = "actionable" if i == 0 else "non_actionable"
        r = client.post(f"/api/v1/alerts/{a['id']}/resolve", json={"reason": reason}, headers=kim)
        assert r.status_code == 200, r.text
    burden = client.get("/api/v1/metrics/alert-burden", params={"days": 1}, headers=kim).json()
    assert burden["share_non_actionable"] == pytest.approx((len(items) - 1) / len(items))
    assert burden["time_to_acknowledge"]["median_s"] is not None
    (rule,) = [r for r in burden["rules"] if r["rule_id"] == "hypo_level2"]
    assert rule["alerts"] == 1
    resolved_as = {a["rule_id"]: i for i, a in enumerate(items)}
    assert rule["share_resolved_non_actionable"] == (
        0.0 if resolved_as["hypo_level2"] == 0 else 1.0
    )
    assert burden["by_kind"]["physiological"]["alerts"] == len(items)
    # Enrolled minutes ago: under one participant-day, so no rate, and the reason.
    assert burden["participant_days"] < 0.1
    assert rule["alerts_per_participant_day"] is None
    assert burden["alerts_per_participant_day"] is None
    assert burden["by_kind"]["physiological"]["alerts_per_participant_day"] is None
    assert "participant-days in the period; rates are given from 1" in burden["rate_withheld"]
    # Enrolled ten days ago: over the last two days, two participant-days of monitoring.
    _enrolled_ago(db_url, hypo, "10 days")
    burden = client.get("/api/v1/metrics/alert-burden", params={"days": 2}, headers=kim).json()
    assert burden["participant_days"] == pytest.approx(2.0, abs=0.01)
    (rule,) = [r for r in burden["rules"] if r["rule_id"] == "hypo_level2"]
    assert rule["alerts_per_participant_day"] == pytest.approx(0.5, abs=0.01)
    assert burden["alerts_per_participant_day"] == pytest.approx(len(items) / 2, abs=0.01)
    assert burden["rate_withheld"] is None
    assert burden["alerts_before_monitoring"] == 0
    # Enrolled a day and a half ago, with the hypoglycaemia episode from history uploaded at
    # enrolment: still an alert the team handled, but not an event of the monitored time.
    _enrolled_ago(db_url, hypo, "36 hours")
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "UPDATE alerts SET first_seen = now() - interval '40 hours' "
            "WHERE participant_id = %s AND rule_id = 'hypo_level2'",
            (hypo.participant_id,),
        )
    burden = client.get("/api/v1/metrics/alert-burden", params={"days": 2}, headers=kim).json()
    assert burden["participant_days"] == pytest.approx(1.5, abs=0.01)
    (rule,) = [r for r in burden["rules"] if r["rule_id"] == "hypo_level2"]
    assert (rule["alerts"], rule["before_monitoring"]) == (1, 1)
    assert rule["alerts_per_participant_day"] == 0.0
    assert burden["alerts"] == len(items)
    assert burden["alerts_before_monitoring"] == 1
    assert burden["alerts_per_participant_day"] == pytest.approx((len(items) - 1) / 1.5, abs=0.01)
    assert burden["by_kind"]["physiological"]["alerts_per_participant_day"] == pytest.approx(
        (len(items) - 1) / 1.5, abs=0.01
    )


def test_thresholds_and_dry_run_through_the_api(
    db_url: str, hypo: Home, client: httpx.Client
) -> None:
    _nurses(db_url, hypo)
    kim = bearer(token_of(client, "nurse.kim"))
    pid = hypo.participant_id
    run = client.post(
        f"/api/v1/participants/{pid}/rules/dry-run",
        json={"days": 1, "changes": {"hypo_level2": {"threshold_mg_dl": 45}}},
        headers=kim,
    )
    assert run.status_code == 200, run.text
    assert run.json()["current"]["alerts_by_rule"]["hypo_level2"] == 1
    assert "hypo_level2" not in run.json()["proposed"]["alerts_by_rule"]
    bad = client.put(
        f"/api/v1/participants/{pid}/thresholds/hypo_level2",
        json={"params": {"colour": 1}},
        headers=kim,
    )
    assert bad.status_code == 422
    put = client.put(
        f"/api/v1/participants/{pid}/thresholds/tachycardia",
        json={"params": {"medium_bpm": 110}},
        headers=kim,
    )
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["params"]["medium_bpm"]) == ("p1", 110)
    lee = bearer(token_of(client, "nurse.lee"))
    denied = client.put(
        f"/api/v1/participants/{pid}/thresholds/tachycardia",
        json={"params": {"medium_bpm": 100}},
        headers=lee,
    )
    assert denied.status_code == 404
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT actor, outcome FROM audit_log WHERE action = 'thresholds.set' ORDER BY audit_id"
        ).fetchall()
    assert rows == [("nurse.kim", "success"), ("nurse.lee", "denied")]
