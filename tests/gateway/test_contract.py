"""Contract test: what the gateway actually sends, captured at the HTTP boundary.

Readings of every metric and flag go through the real path (codec values -> convert ->
outbox -> uploader -> httpx) and the captured JSON is checked field by field against the
ingestion contract. ``captured_batch`` and ``captured_heartbeat`` are what a schema check
against the API's own models can consume.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx
import pytest

from gateway.codecs.cgm_measurement import CgmMeasurement
from gateway.codecs.heart_rate import HeartRateMeasurement, SensorContact
from gateway.codecs.sfloat import SfloatSpecial, sfloat_from_float, sfloat_special
from gateway.convert import cgm_readings, heart_rate_readings
from gateway.heartbeat import DeviceStatus, heartbeat_body, send_heartbeat
from gateway.outbox import Outbox
from gateway.reading import Reading
from gateway.uploader import Uploader, UploaderSettings
from tests.gateway.conftest import DEVICE_CGM, DEVICE_HR, T0

pytestmark = pytest.mark.timeout(10)

BATCH_KEYS = {"gateway_id", "sequence", "sent_at", "readings"}
READING_KEYS = {"device_id", "metric", "measured_at", "value", "unit", "flags"}
UNITS = {"heart_rate": "/min", "rr_interval": "ms", "glucose": "mg/dL", "battery": "%"}
FLAGS = {"backfilled", "censored_low", "censored_high", "no_contact"}
HEARTBEAT_KEYS = {
    "gateway_id",
    "sent_at",
    "devices",
    "outbox_depth",
    "outbox_dropped",
    "last_upload_at",
}
DEVICE_KEYS = {"device_id", "address", "last_seen_at", "battery_percent", "rssi_dbm", "connected"}


def every_kind_of_reading() -> list[Reading]:
    hr = heart_rate_readings(
        DEVICE_HR, T0, HeartRateMeasurement(72, SensorContact.NOT_DETECTED, None, (), (800.0,))
    )
    cgm = cgm_readings(
        DEVICE_CGM,
        T0,
        [
            CgmMeasurement(sfloat_from_float(101.0), 5),
            CgmMeasurement(sfloat_special(SfloatSpecial.POSITIVE_INFINITY), 10),
        ],
        backfilled=True,
    ).readings
    battery = Reading(DEVICE_HR, "battery", T0, 87.0)
    return [*hr, *cgm, battery]


def aware_iso(text: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(text)
    assert parsed.utcoffset() is not None, text
    return parsed


@pytest.fixture
async def captured_batch(box: Outbox) -> tuple[httpx.Request, dict[str, Any]]:
    box.put(every_kind_of_reading())
    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        n = len(json.loads(request.content)["readings"])
        return httpx.Response(200, json={"accepted": n, "duplicates": 0, "rejected": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as client:
        settings = UploaderSettings(api_url="https://api.test", token="tok")
        await Uploader(box, client, settings).step()
    (request,) = seen
    return request, json.loads(request.content)


async def test_batch_request_line_and_headers(captured_batch: tuple[httpx.Request, Any]) -> None:
    request, _ = captured_batch
    assert (request.method, request.url.path) == ("POST", "/api/v1/ingest/batch")
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["content-type"] == "application/json"
    uuid.UUID(request.headers["idempotency-key"])


async def test_batch_body_has_exactly_the_contract_fields(
    captured_batch: tuple[httpx.Request, Any],
) -> None:
    _, body = captured_batch
    assert set(body) == BATCH_KEYS
    assert isinstance(body["gateway_id"], str)
    assert isinstance(body["sequence"], int)
    aware_iso(body["sent_at"])


async def test_every_reading_matches_the_contract(
    captured_batch: tuple[httpx.Request, Any],
) -> None:
    _, body = captured_batch
    assert {r["metric"] for r in body["readings"]} == set(UNITS)
    for r in body["readings"]:
        assert set(r) <= READING_KEYS
        assert set(r) >= READING_KEYS - {"flags"}
        assert r["unit"] == UNITS[r["metric"]]
        assert aware_iso(r["measured_at"]).utcoffset() == dt.timedelta(0)
        assert len(r["measured_at"].split(".")[1]) == len("000000+00:00")  # microseconds
        assert r["value"] is None or isinstance(r["value"], float)
        assert set(r.get("flags", [])) <= FLAGS


async def test_censored_reading_has_null_value_and_its_flag(
    captured_batch: tuple[httpx.Request, Any],
) -> None:
    _, body = captured_batch
    censored = [r for r in body["readings"] if r["value"] is None]
    assert [r["flags"] for r in censored] == [["backfilled", "censored_high"]]


async def test_heartbeat_body_matches_the_contract(box: Outbox) -> None:
    status = DeviceStatus(DEVICE_HR, "AA:00:00:00:00:01", T0, 87, -60, True)
    body = heartbeat_body("gw-test", T0, [status.to_json()], box)
    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as client:
        assert await send_heartbeat(client, "https://api.test", "tok", body)
    sent = json.loads(seen[0].content)
    assert seen[0].url.path == "/api/v1/ingest/heartbeat"
    assert set(sent) == HEARTBEAT_KEYS
    assert set(sent["devices"][0]) == DEVICE_KEYS
    assert (sent["outbox_depth"], sent["outbox_dropped"], sent["last_upload_at"]) == (0, 0, None)
    aware_iso(sent["devices"][0]["last_seen_at"])
