"""RACP request parsing and record selection (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.ble.cgm_encoding import (
    CgmRecord,
)
from simulators.ble.encoding import (
    RacpResponseCode,
)
from simulators.ble.racp import RacpRequestError, parse_racp_request, select_records

RECORDS = [CgmRecord(offset, 100.0) for offset in (0, 5, 10, 15, 20)]


def offsets(request_hex: str) -> list[int]:
    request = parse_racp_request(bytes.fromhex(request_hex))
    return [
        r.time_offset_min for r in select_records(RECORDS, request, key=lambda r: r.time_offset_min)
    ]


def test_report_all_selects_every_record() -> None:
    assert offsets("0101") == [0, 5, 10, 15, 20]


def test_report_greater_or_equal_selects_newer_records() -> None:
    assert offsets("0103010a00") == [10, 15, 20]


def test_report_less_or_equal_selects_older_records() -> None:
    assert offsets("0102010500") == [0, 5]


def test_report_within_range_is_inclusive() -> None:
    assert offsets("01040105000f00") == [5, 10, 15]


def test_report_first_and_last() -> None:
    assert (offsets("0105"), offsets("0106")) == ([0], [20])


def test_select_from_empty_store_is_empty() -> None:
    request = parse_racp_request(bytes.fromhex("0105"))
    assert select_records([], request, key=lambda r: r.time_offset_min) == []


@pytest.mark.parametrize(
    ("request_hex", "code"),
    [
        ("0201", RacpResponseCode.OP_CODE_NOT_SUPPORTED),
        ("0901", RacpResponseCode.OP_CODE_NOT_SUPPORTED),
        ("0107", RacpResponseCode.INVALID_OPERATOR),
        ("0100", RacpResponseCode.INVALID_OPERATOR),
        ("010301", RacpResponseCode.INVALID_OPERAND),
        ("0103020a00", RacpResponseCode.INVALID_OPERAND),
        ("010101", RacpResponseCode.INVALID_OPERAND),
        ("01040114000500", RacpResponseCode.INVALID_OPERAND),
        ("0301", RacpResponseCode.INVALID_OPERATOR),
    ],
)
def test_malformed_requests_map_to_racp_response_codes(
    request_hex: str, code: RacpResponseCode
) -> None:
    with pytest.raises(RacpRequestError) as info:
        parse_racp_request(bytes.fromhex(request_hex))
    assert (info.value.op_code, info.value.code) == (int(request_hex[:2], 16), code)


def test_abort_parses_with_null_operator() -> None:
    assert parse_racp_request(b"\x03\x00").op_code == 3


@given(st.binary(max_size=12))
def test_any_request_parses_or_raises_a_racp_error(data: bytes) -> None:
    try:
        request = parse_racp_request(data)
    except RacpRequestError:
        return
    assert request.op_code == data[0]
