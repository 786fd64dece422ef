"""The triage list: ordering, what a row shows, reviewed marks, the audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.ingest.auth.helpers import add_account, assign, audit_rows, bearer, client_for, token_of
from tests.ingest.clinical.data import add_alert, every, store
from tests.ingest.conftest import Home, enrol_home, make_settings, serve_in_thread

pytestmark = pytest.mark.db

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
FIVE_MIN = dt.timedelta(minutes=5)


@pytest.fixture
def client(db_url: str) -> Iterator[httpx.Client]:
    for base in serve_in_thread(make_settings(db_url)):
        yield from client_for(base)


def _glucose(url: str, home: Home, days: float, low_share: float = 0.0) -> None:
    n = int(days * 288)
    times = every(NOW - n * FIVE_MIN, FIVE_MIN, n)
    lows = int(n * low_share)
    values = [50.0] * lows + [120.0] * (n - lows)
    store(
        url, home.cgm_device, home.participant_id, "glucose", list(zip(times, values, strict=True))
    )


def test_triage_orders_by_priority_then_time_below_54_then_sufficiency(
    db_url: str, client: httpx.Client
) -> None:
    homes = {
        name: enrol_home(db_url, name) for name in ("tech", "phys", "low", "full", "thin", "old")
    }
    outsider = enrol_home(db_url, "Other Team")
    add_account(db_url, "nurse.park", team="ward-3")
    for h in homes.values():
        assign(db_url, "ward-3", h.participant_id)
    add_alert(db_url, homes["tech"].participant_id, "battery_low", "technical", "MEDIUM")
    add_alert(db_url, homes["phys"].participant_id, "hypo_level1", "physiological", "MEDIUM")
    add_alert(db_url, homes["old"].participant_id, "hypo_level2", "physiological", "HIGH",
              state="RESOLVED")  # fmt: skip
    add_alert(db_url, homes["old"].participant_id, "stale_device", "technical", "LOW")
    _glucose(db_url, homes["low"], days=1, low_share=0.1)
    _glucose(db_url, homes["full"], days=13.9)
    _glucose(db_url, homes["thin"], days=1)

    response = client.get("/api/v1/triage", headers=bearer(token_of(client, "nurse.park")))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    order = [i["display_name"] for i in items]
    assert order == ["phys", "tech", "old", "low", "thin", "full"]
    assert outsider.participant_id not in {i["participant_id"] for i in items}
    by_name = {i["display_name"]: i for i in items}
    assert by_name["phys"]["highest_priority"] == "MEDIUM"
    assert by_name["phys"]["alerts"]["physiological"] == {"HIGH": 0, "MEDIUM": 1, "LOW": 0}
    assert by_name["old"]["alerts"]["physiological"]["HIGH"] == 0  # resolved
    assert by_name["old"]["highest_priority"] == "LOW"
    assert by_name["low"]["glucose_14d"]["tbr54_pct"] == round(100 * 28 / 288, 1)  # 28 of 288
    assert by_name["full"]["glucose_14d"]["sufficient"] is True
    assert by_name["thin"]["glucose_14d"]["sufficient"] is False
    assert by_name["full"]["glucose_last_seen"] is not None
    reads = audit_rows(db_url, "read")
    assert len(reads) == 1
    assert {str(s) for s in reads[0][6]} == {str(h.participant_id) for h in homes.values()}


def test_censored_low_counts_below_54_and_replays_count_nothing(
    db_url: str, client: httpx.Client
) -> None:
    home = enrol_home(db_url)
    add_account(db_url, "nurse.park", team="ward-3")
    assign(db_url, "ward-3", home.participant_id)
    times = every(NOW - 4 * FIVE_MIN, FIVE_MIN, 4)
    points: list[tuple[dt.datetime, float | None]] = [(t, None) for t in times[:2]]
    store(db_url, home.cgm_device, home.participant_id, "glucose", points, ["censored_low"])
    store(db_url, home.cgm_device, home.participant_id, "glucose", points, ["censored_low"])
    # two readings in one 5-minute bucket count one bucket
    later = [(times[2], 100.0), (times[2] + dt.timedelta(minutes=1), 101.0), (times[3], 99.0)]
    store(db_url, home.cgm_device, home.participant_id, "glucose", later)
    with psycopg.connect(db_url) as conn:
        day = conn.execute(
            "SELECT sum(readings), sum(buckets), sum(below_54), sum(in_range) FROM cgm_days"
        ).fetchone()
    buckets = len({int(t.timestamp()) // 300 for t, _ in points + later})
    assert day == (5, buckets, 2, 3)
    items = client.get("/api/v1/triage", headers=bearer(token_of(client, "nurse.park"))).json()
    assert items["items"][0]["glucose_14d"]["tbr54_pct"] == 40.0


def test_a_review_mark_shows_on_the_list_and_can_be_undone(
    db_url: str, client: httpx.Client
) -> None:
    home = enrol_home(db_url)
    add_account(db_url, "nurse.park", team="ward-3")
    assign(db_url, "ward-3", home.participant_id)
    auth = bearer(token_of(client, "nurse.park"))
    url = f"/api/v1/participants/{home.participant_id}/reviewed"
    assert client.post(url, headers=auth).status_code == 200
    row = client.get("/api/v1/triage", headers=auth).json()["items"][0]
    assert row["last_reviewed_by"] == "nurse.park"
    assert row["last_reviewed_at"] is not None
    assert client.delete(url, headers=auth).json()["undone"] is True
    assert client.get("/api/v1/triage", headers=auth).json()["items"][0]["last_reviewed_by"] is None
    again = client.delete(url, headers=auth)
    assert again.status_code == 404
    assert "no standing 'reviewed' mark" in again.json()["detail"]
    assert [r[2] for r in audit_rows(db_url, "review")] == ["success"]
    assert [r[2] for r in audit_rows(db_url, "unreview")] == ["success"]


def test_the_daily_tally_uses_the_consensus_cut_offs_of_analytics(db_url: str) -> None:
    from analytics.clinical_constants import (
        HIGH_MG_DL,
        LOW_MG_DL,
        VERY_HIGH_MG_DL,
        VERY_LOW_MG_DL,
    )

    home = enrol_home(db_url)
    values = [53.9, 54.0, 69.9, 70.0, 180.0, 180.1, 250.0, 250.1]
    times = every(NOW - len(values) * FIVE_MIN, FIVE_MIN, len(values))
    store(db_url, home.cgm_device, home.participant_id, "glucose",
          list(zip(times, values, strict=True)))  # fmt: skip
    with psycopg.connect(db_url) as conn:
        got = conn.execute(
            "SELECT sum(below_54), sum(below_70), sum(in_range), sum(above_180), sum(above_250)"
            " FROM cgm_days"
        ).fetchone()
    expected = (
        sum(v < VERY_LOW_MG_DL for v in values),
        sum(v < LOW_MG_DL for v in values),
        sum(LOW_MG_DL <= v <= HIGH_MG_DL for v in values),
        sum(v > HIGH_MG_DL for v in values),
        sum(v > VERY_HIGH_MG_DL for v in values),
    )
    assert got == expected == (1, 3, 2, 3, 1)


def test_af_burden_is_the_worst_hour_of_the_af_alerts_of_the_last_day(
    db_url: str, client: httpx.Client
) -> None:
    homes = {name: enrol_home(db_url, name) for name in ("af", "stale", "none")}
    add_account(db_url, "nurse.han", team="ward-5")
    for h in homes.values():
        assign(db_url, "ward-5", h.participant_id)
    newer = add_alert(db_url, homes["af"].participant_id, "af_burden", "physiological", "MEDIUM")
    older = add_alert(db_url, homes["af"].participant_id, "af_burden", "physiological", "MEDIUM",
                      state="RESOLVED")  # fmt: skip
    stale = add_alert(db_url, homes["stale"].participant_id, "af_burden", "physiological",
                      "MEDIUM", state="RESOLVED")  # fmt: skip
    with psycopg.connect(db_url) as conn:
        for alert_id, worst, age_h in ((newer, 12.5, 0), (older, 41.04, 20), (stale, 90.0, 25)):
            conn.execute(
                "UPDATE alerts SET worst_value = %s, last_seen = %s WHERE alert_id = %s",
                (worst, NOW - dt.timedelta(hours=age_h), alert_id),
            )

    response = client.get("/api/v1/triage", headers=bearer(token_of(client, "nurse.han")))
    by_name = {i["display_name"]: i for i in response.json()["items"]}
    # Resolved or not: the burden happened; older than a day: not today's figure.
    assert by_name["af"]["af_burden_pct_24h"] == 41.0
    assert by_name["stale"]["af_burden_pct_24h"] is None
    assert by_name["none"]["af_burden_pct_24h"] is None
