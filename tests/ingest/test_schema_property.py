"""Property: any JSON the batch schema accepts is judged without a crash; anything else is 422."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pydantic
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.api.schemas import BatchIn
from ingest.validation import METRICS, Rejection, TimeWindow, ValidReading, check_reading, judge_all

NOW = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
WINDOW = TimeWindow(NOW, 300, 7)

timestamps = st.datetimes(
    min_value=dt.datetime(2026, 11, 10),
    max_value=dt.datetime(2026, 11, 23),
    timezones=st.one_of(st.none(), st.just(dt.UTC), st.just(dt.timezone(dt.timedelta(hours=9)))),
)
readings = st.fixed_dictionaries(
    {
        "device_id": st.one_of(st.uuids().map(str), st.text(max_size=8)),
        "metric": st.one_of(st.sampled_from(sorted(METRICS)), st.text(max_size=6)),
        "measured_at": timestamps.map(lambda t: t.isoformat()),
        "value": st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
        "unit": st.sampled_from(["/min", "ms", "mg/dL", "%", "bpm"]),
    },
    optional={
        "flags": st.lists(
            st.sampled_from(["backfilled", "censored_low", "censored_high", "no_contact", "x"]),
            max_size=3,
        ),
        "extra": st.integers(),
    },
)
bodies = st.fixed_dictionaries(
    {
        "gateway_id": st.uuids().map(str),
        "sequence": st.integers(min_value=-2, max_value=10**6),
        "sent_at": st.just(NOW.isoformat()),
        "readings": st.lists(readings, max_size=20),
    }
)


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_every_reading_is_either_valid_or_rejected_with_a_field(payload: dict[str, object]) -> None:
    try:
        # As the server parses it: from the JSON bytes (strict types, no coercion).
        parsed = BatchIn.model_validate_json(json.dumps(payload))
    except pydantic.ValidationError as exc:
        # Structural errors always name where they are.
        assert all(err["loc"] for err in exc.errors())  # noqa: PT017
        return
    accepted, rejected = judge_all(parsed.readings, WINDOW)
    assert len(accepted) + len(rejected) == len(parsed.readings)
    assert all(r.field and r.reason for r in rejected)
    # The inline fast path and the reason-giving rules agree on every reading.
    slow = [
        check_reading(
            i,
            device_id=r["device_id"],
            metric=r["metric"],
            measured_at=r["measured_at"],
            value=r["value"],
            unit=r["unit"],
            flags=r.get("flags", []),
            window=WINDOW,
        )
        for i, r in enumerate(parsed.readings)
    ]
    assert [v for v in slow if isinstance(v, Rejection)] == rejected
    assert [
        (v.device_id, v.metric, v.measured_at, v.value) for v in slow if isinstance(v, ValidReading)
    ] == [a[:4] for a in accepted]
    for device, _, at, *_ in accepted:
        assert isinstance(device, uuid.UUID)
        assert at.tzinfo is not None
