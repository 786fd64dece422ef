"""The participant page and raw reading windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from tests.ingest.auth.helpers import add_account, assign, audit_rows, bearer, client_for, token_of
from tests.ingest.clinical.data import every, store
from tests.ingest.conftest import Home, enrol_home, make_settings, serve_in_thread

pytestmark = pytest.mark.db

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def client(db_url: str) -> Iterator[httpx.Client]:
    for base in serve_in_thread(make_settings(db_url)):
        yield from client_for(base)


@pytest.fixture
def home(db_url: str) -> Home:
    home = enrol_home(db_url)
    add_account(db_url, "nurse.park", team="ward-3")
    assign(db_url, "ward-3", home.participant_id)
    return home


def _heart(url: str, home: Home, minutes: int, end: dt.datetime = NOW) -> None:
    rng = np.random.default_rng(7)
    rr = 800 + 40 * rng.standard_normal(minutes * 75)
    t = end - dt.timedelta(minutes=minutes)
    beats = []
    for v in rr:
        t += dt.timedelta(milliseconds=float(v))
        beats.append((t, float(v)))
    store(url, home.hr_device, home.participant_id, "rr_interval", beats)
    hr = [
        (b, 72.0)
        for b in every(end - dt.timedelta(minutes=minutes), dt.timedelta(seconds=1), minutes * 60)
    ]
    store(url, home.hr_device, home.participant_id, "heart_rate", hr)
    store(url, home.hr_device, home.participant_id, "battery", [(NOW, 64.0)])


def test_the_page_shows_identity_devices_trends_heart_and_glucose(
    db_url: str, client: httpx.Client, home: Home
) -> None:
    _heart(db_url, home, minutes=30)
    step = dt.timedelta(minutes=5)
    store(db_url, home.cgm_device, home.participant_id, "glucose",
          [(t, 110.0 + i % 7) for i, t in enumerate(every(NOW - 36 * step, step, 36))])  # fmt: skip
    auth = bearer(token_of(client, "nurse.park"))
    response = client.get(f"/api/v1/participants/{home.participant_id}", headers=auth)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["identity"]["full_name"] == "Kim Young-ja"
    hr_device = next(d for d in page["devices"] if d["kind"] == "hr")
    assert hr_device["battery_pct"] == 64.0
    assert hr_device["last_seen"] is not None
    assert 6 <= len(page["trends"]["heart_rate"]) <= 7
    assert page["trends"]["heart_rate"][0]["mean"] == pytest.approx(72.0)
    assert page["heart"]["hrv"]["rmssd_ms"] > 0
    assert page["heart"]["af"]["burden_pct"] is not None
    glucose = page["glucose"]
    assert glucose["sufficiency"]["sufficient"] is False  # 3 hours of 14 days
    assert glucose["metrics"]["mean"] == pytest.approx(113.0, abs=0.5)
    assert len(glucose["agp"]["minute_of_day"]) == 288
    # no heartbeat ever: the gateway hop is the one that failed
    assert page["gateway"]["ok"] is False
    assert page["gateway"]["failing_hop"] == "gateway->server"
    assert page["data_quality"]["heart_rate_coverage_pct"] > 0
    reads = audit_rows(db_url, "read")
    assert [(r[0], r[2]) for r in reads] == [("nurse.park", "success")]


def test_the_heart_summary_covers_only_the_hours_asked_for(
    db_url: str, client: httpx.Client, home: Home
) -> None:
    # 2.5 h of beats, ~75 a minute, up to now: the server's last hour is counted from its
    # clock, and the module's NOW may be minutes old by the time this test runs.
    _heart(db_url, home, minutes=150, end=dt.datetime.now(dt.UTC))
    auth = bearer(token_of(client, "nurse.park"))
    url = f"/api/v1/participants/{home.participant_id}"
    day = client.get(url, headers=auth).json()["heart"]
    hour = client.get(url, headers=auth, params={"heart_hours": 1}).json()["heart"]
    assert (day["hours"], hour["hours"]) == (24, 1)
    assert day["beats"] == 150 * 75
    # The beats end at this module's NOW; the server's hour ends at its own (later) now.
    assert 0 < hour["beats"] <= 60 * 75 * 1.05
    refused = client.get(url, headers=auth, params={"heart_hours": 25})
    assert refused.status_code == 422
    assert "heart_hours" in refused.text


def test_raw_windows_are_bounded_and_name_the_limit(
    db_url: str, client: httpx.Client, home: Home
) -> None:
    store(db_url, home.cgm_device, home.participant_id, "glucose",
          [(NOW - dt.timedelta(minutes=10), None)], ["censored_low"])  # fmt: skip
    store(db_url, home.cgm_device, home.participant_id, "glucose",
          [(NOW - dt.timedelta(minutes=5), 62.0)])  # fmt: skip
    auth = bearer(token_of(client, "nurse.park"))
    url = f"/api/v1/participants/{home.participant_id}/readings"

    def get(**params: str) -> httpx.Response:
        return client.get(url, params=params, headers=auth)

    start, end = (NOW - dt.timedelta(hours=1)).isoformat(), NOW.isoformat()
    ok = get(metric="glucose", **{"from": start, "to": end})
    assert ok.status_code == 200, ok.text
    assert [(i["value"], i["flags"]) for i in ok.json()["items"]] == [
        (None, ["censored_low"]),
        (62.0, []),
    ]
    too_long = get(
        metric="glucose", **{"from": (NOW - dt.timedelta(hours=25)).isoformat(), "to": end}
    )
    assert too_long.status_code == 422
    assert "limit of 24 h" in too_long.json()["detail"]
    backwards = get(metric="glucose", **{"from": end, "to": start})
    assert backwards.json()["detail"] == "to must be after from"
    naive = get(metric="glucose", **{"from": "2026-12-01T00:00:00", "to": "2026-12-01T01:00:00"})
    assert "UTC offset" in naive.json()["detail"]
    assert get(metric="steps", **{"from": start, "to": end}).status_code == 422
    audited = [r for r in audit_rows(db_url, "read") if r[2] == "success"]
    assert len(audited) == 1
    assert audited[0][5]["metric"] == "glucose"


def test_sensor_low_readings_count_as_very_low_glucose_on_the_page(
    db_url: str, client: httpx.Client, home: Home
) -> None:
    step = dt.timedelta(minutes=5)
    times = every(NOW - 12 * step, step, 12)
    store(db_url, home.cgm_device, home.participant_id, "glucose",
          [(t, None) for t in times[:3]], ["censored_low"])  # fmt: skip
    store(db_url, home.cgm_device, home.participant_id, "glucose",
          [(t, 100.0) for t in times[3:]])  # fmt: skip
    auth = bearer(token_of(client, "nurse.park"))
    page = client.get(f"/api/v1/participants/{home.participant_id}", headers=auth).json()
    assert page["glucose"]["metrics"]["below_54"] == pytest.approx(25.0)
    assert page["data_quality"]["censored_glucose_readings_14d"] == 3
