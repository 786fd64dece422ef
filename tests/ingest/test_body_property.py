"""Property: whatever bytes arrive, parsing a batch or a heartbeat either succeeds or
raises a 422 whose answer is small, valid UTF-8 JSON and does not echo the body."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pydantic
import pytest
from fastapi.exceptions import RequestValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.api.body import parse_body
from ingest.api.problems import MAX_ERRORS, summarize_errors
from ingest.api.schemas import BatchIn, HeartbeatIn

NOW = "2026-11-22T08:00:00+09:00"
DEVICE = str(uuid.UUID(int=1))

# Any JSON value, including the troublemakers seen in the field: huge integers, NUL, lone
# surrogates, numbers as strings, booleans for numbers, epoch numbers for timestamps.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["\u0000", "\ud800", "72", "2026-11-22T08:00:00", "1700000000", DEVICE]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _reading() -> dict[str, Any]:
    return {
        "device_id": DEVICE,
        "metric": "heart_rate",
        "measured_at": NOW,
        "value": 72.0,
        "unit": "/min",
    }


def _batch() -> dict[str, Any]:
    return {"gateway_id": DEVICE, "sequence": 1, "sent_at": NOW, "readings": [_reading()]}


def _heartbeat() -> dict[str, Any]:
    return {
        "gateway_id": DEVICE,
        "sent_at": NOW,
        "devices": [{"device_id": DEVICE, "battery_percent": 50}],
        "outbox_depth": 0,
        "outbox_dropped": 0,
    }


def _encode(payload: object) -> bytes:
    return json.dumps(payload).encode("utf-8", "surrogatepass")


def _check_answer(model: type[pydantic.BaseModel], raw: bytes) -> None:
    try:
        parse_body(model, raw)
    except RequestValidationError as exc:
        answer = json.dumps({"detail": summarize_errors(exc.errors())}, ensure_ascii=False)
        encoded = answer.encode("utf-8")  # a lone surrogate here would be a 500
        assert len(encoded) < 200 * (MAX_ERRORS + 1)
        assert all(e["loc"] for e in json.loads(encoded)["detail"])


batch_fields = st.sampled_from(["gateway_id", "sequence", "sent_at", "readings", "extra"])
reading_fields = st.sampled_from(["device_id", "metric", "measured_at", "value", "unit", "flags"])
heartbeat_fields = st.sampled_from(
    ["gateway_id", "sent_at", "devices", "outbox_depth", "outbox_dropped", "last_upload_at"]
)
device_fields = st.sampled_from(
    ["device_id", "address", "last_seen_at", "battery_percent", "rssi_dbm", "connected"]
)


@settings(max_examples=400, deadline=None)
@given(batch_fields, reading_fields, json_values, json_values)
def test_any_batch_field_replaced_by_any_json_gets_a_clean_answer(
    field: str, reading_field: str, value: object, reading_value: object
) -> None:
    payload = _batch()
    payload[field] = value
    if isinstance(payload.get("readings"), list):
        payload["readings"] = [{**_reading(), reading_field: reading_value}]
    _check_answer(BatchIn, _encode(payload))


@settings(max_examples=300, deadline=None)
@given(heartbeat_fields, device_fields, json_values, json_values)
def test_any_heartbeat_field_replaced_by_any_json_gets_a_clean_answer(
    field: str, device_field: str, value: object, device_value: object
) -> None:
    payload = _heartbeat()
    payload[field] = value
    payload["devices"] = [{"device_id": DEVICE, device_field: device_value}]
    _check_answer(HeartbeatIn, _encode(payload))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.integers(min_value=0, max_value=200))
def test_any_bytes_spliced_into_a_body_get_a_clean_answer(junk: bytes, at: int) -> None:
    for model, payload in ((BatchIn, _batch()), (HeartbeatIn, _heartbeat())):
        raw = _encode(payload)
        _check_answer(model, raw[:at] + junk + raw[at:])


def test_accepted_heartbeats_and_batches_hold_only_storable_text() -> None:
    # A NUL in any stored string is refused by the schema, not by PostgreSQL.
    for model, payload, key in (
        (BatchIn, _batch(), "gateway_id"),
        (HeartbeatIn, _heartbeat(), "gateway_id"),
    ):
        payload[key] = "a\u0000b"
        with pytest.raises(RequestValidationError) as caught:
            parse_body(model, _encode(payload))
        assert caught.value.errors()[0]["loc"] == ("body", key)


def test_a_parsed_heartbeat_is_as_sent() -> None:
    hb = parse_body(HeartbeatIn, _encode(_heartbeat()))
    assert hb.sent_at == dt.datetime.fromisoformat(NOW)
    assert str(hb.devices[0].device_id) == DEVICE
