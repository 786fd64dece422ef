"""Input that can never be valid gets a 4xx naming the problem, never a 5xx (a gateway
retries a 5xx forever); no request body or reading value reaches the log or the 422."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import httpx
import pytest

from tests.ingest.batches import batch, body, headers, hr_readings, recent
from tests.ingest.conftest import Home

pytestmark = pytest.mark.db


def _post_raw(api: str, home: Home, raw: bytes, path: str = "batch") -> httpx.Response:
    return httpx.post(f"{api}/api/v1/ingest/{path}", content=raw, headers=headers(home), timeout=30)


def _heartbeat(home: Home, **changes: Any) -> dict[str, Any]:
    return {
        "gateway_id": str(home.gateway_id),
        "sent_at": dt.datetime.now(dt.UTC).isoformat(),
        "devices": [{"device_id": str(home.hr_device)}],
        "outbox_depth": 0,
        "outbox_dropped": 0,
        **changes,
    }


def test_a_non_utf8_byte_in_a_batch_gets_422(api: str, home: Home) -> None:
    raw = body(batch(home, hr_readings(home.hr_device, recent(), 2))).replace(
        b"/min", b"/m\xffn", 1
    )
    r = _post_raw(api, home, raw)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["type"] == "json_invalid"


def test_a_sequence_beyond_bigint_gets_422_naming_it(api: str, home: Home) -> None:
    payload = batch(home, hr_readings(home.hr_device, recent(), 1))
    payload["sequence"] = 9223372036854775808
    r = _post_raw(api, home, body(payload))
    assert r.status_code == 422, r.text
    assert ["body", "sequence"] in [e["loc"] for e in r.json()["detail"]]


def test_a_nul_in_a_heartbeat_device_id_gets_422(api: str, home: Home) -> None:
    hb = _heartbeat(home, devices=[{"device_id": "abc\u0000def"}])
    r = _post_raw(api, home, json.dumps(hb).encode(), "heartbeat")
    assert r.status_code == 422, r.text
    hb = _heartbeat(home, devices=[{"device_id": str(home.hr_device), "address": "A\u0000"}])
    r = _post_raw(api, home, json.dumps(hb).encode(), "heartbeat")
    assert r.status_code == 422, r.text
    assert ["body", "devices", 0, "address"] in [e["loc"] for e in r.json()["detail"]]


@pytest.mark.parametrize("path", ["batch", "heartbeat"])
def test_a_lone_surrogate_gets_422(api: str, home: Home, path: str) -> None:
    if path == "batch":
        raw = body(batch(home, hr_readings(home.hr_device, recent(), 1)))
        raw = raw.replace(b'"heart_rate"', b'"heart_rate\\ud800"')
    else:
        raw = json.dumps(_heartbeat(home, gateway_id="\ud800")).encode("utf-8", "surrogatepass")
    r = _post_raw(api, home, raw, path)
    assert r.status_code == 422, r.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("value", "72"),
        ("value", True),
        ("measured_at", 1_700_000_000),
    ],
)
def test_reading_fields_are_not_coerced(api: str, home: Home, field: str, value: object) -> None:
    payload = batch(home, hr_readings(home.hr_device, recent(), 1))
    payload["readings"][0][field] = value
    r = _post_raw(api, home, body(payload))
    assert r.status_code == 422, r.text
    assert ["body", "readings", 0, field] in [e["loc"] for e in r.json()["detail"]]


@pytest.mark.parametrize("value", [True, "5", 5.0])
def test_the_sequence_is_not_coerced(api: str, home: Home, value: object) -> None:
    payload = batch(home, hr_readings(home.hr_device, recent(), 1))
    payload["sequence"] = value
    r = _post_raw(api, home, body(payload))
    assert r.status_code == 422, r.text


def test_a_large_bad_batch_gets_a_small_422_and_nothing_reaches_the_log(
    api: str, home: Home, caplog: pytest.LogCaptureFixture
) -> None:
    readings = hr_readings(home.hr_device, recent(), 4000, bpm=71.234567)
    for reading in readings:
        reading["value"] = "71.234567"  # a string: every reading is structurally wrong
    raw = body(batch(home, readings))
    with caplog.at_level(logging.DEBUG):
        answer = _post_raw(api, home, raw)
    assert answer.status_code == 422
    assert len(raw) > 400_000
    assert len(answer.content) < 10_000
    detail = answer.json()["detail"]
    assert detail[0]["loc"] == ["body", "readings", 0, "value"]
    assert detail[-1]["type"] == "too_many_errors"
    assert "71.234567" not in caplog.text
    assert home.token not in caplog.text
