"""Pure parsing of the API's answers: receipts, 422 details, Retry-After."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gateway.http_contract import (
    MAX_RETRY_AFTER_S,
    IndexedRejection,
    parse_receipt,
    parse_retry_after,
    parse_validation_error,
)

pytestmark = pytest.mark.timeout(5)

NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)


def test_receipt_is_parsed() -> None:
    body = {
        "accepted": 2,
        "duplicates": 1,
        "rejected": [{"index": 0, "field": "value", "reason": "r"}],
    }
    receipt = parse_receipt(json.dumps(body).encode())
    assert (receipt.accepted, receipt.duplicates, receipt.rejected) == (
        2,
        1,
        (IndexedRejection(0, "value", "r"),),
    )


@pytest.mark.parametrize("content", [b"<html>", b"[]", b'{"accepted": "2", "duplicates": 0}'])
def test_malformed_receipt_raises_value_error(content: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json and shape errors are both ValueError
        parse_receipt(content)


def test_pydantic_422_names_reading_index_and_field() -> None:
    body = {"detail": [{"loc": ["body", "readings", 3, "measured_at"], "msg": "no tz"}]}
    assert parse_validation_error(json.dumps(body).encode(), 5) == [
        IndexedRejection(3, "measured_at", "no tz")
    ]


def test_422_on_a_batch_field_names_no_reading() -> None:
    body = {"detail": [{"loc": ["body", "sequence"], "msg": "must be int"}]}
    assert parse_validation_error(json.dumps(body).encode(), 5) == [
        IndexedRejection(-1, "sequence", "must be int")
    ]


def test_422_index_outside_the_batch_names_no_reading() -> None:
    body = {"detail": [{"loc": ["body", "readings", 9, "value"], "msg": "x"}]}
    assert parse_validation_error(json.dumps(body).encode(), 5)[0].index == -1


def test_string_detail_is_kept_as_the_reason() -> None:
    assert parse_validation_error(b'{"detail": "too many readings"}', 5) == [
        IndexedRejection(-1, "body", "too many readings")
    ]


def test_unreadable_422_body_gives_no_errors() -> None:
    assert parse_validation_error(b"oops", 5) == []


@pytest.mark.parametrize(
    ("header", "expected_s"),
    [
        ("30", 30.0),
        (" 0 ", 0.0),
        ("Sun, 22 Nov 2026 06:01:00 GMT", 60.0),
        ("Sun, 22 Nov 2026 05:00:00 GMT", 0.0),
        ("99999999", MAX_RETRY_AFTER_S),
        ("soon", None),
        (None, None),
        ("-5", None),
    ],
)
def test_retry_after_seconds_and_dates(header: str | None, expected_s: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected_s
