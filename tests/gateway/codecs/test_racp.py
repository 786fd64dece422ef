"""Record Access Control Point 0x2A52."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.racp import (
    RacpNumberOfRecords,
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    RacpResponse,
    RacpResponseCode,
    decode_racp_request,
    decode_racp_response,
    encode_racp_abort,
    encode_racp_report_all,
    encode_racp_report_from,
    encode_racp_report_number_all,
    encode_racp_report_number_from,
    encode_racp_request,
    encode_racp_response,
)
from gateway.errors import CodecError


def test_report_all_is_01_01() -> None:
    assert encode_racp_report_all() == bytes.fromhex("0101")


def test_report_from_offset_is_01_03_01_uint16_le() -> None:
    # docs/ble.md back-fill: 01 03 01 <last offset+1 LE>
    assert encode_racp_report_from(0x0123) == bytes.fromhex("01 03 01 2301")


def test_report_number_requests() -> None:
    assert encode_racp_report_number_all() == bytes.fromhex("0401")
    assert encode_racp_report_number_from(300) == bytes.fromhex("04 03 01 2c01")


def test_abort_is_03_00() -> None:
    assert encode_racp_abort() == bytes.fromhex("0300")


@pytest.mark.parametrize("offset", [-1, 0x10000])
def test_report_from_rejects_offset_outside_uint16(offset: int) -> None:
    with pytest.raises(CodecError, match="uint16"):
        encode_racp_report_from(offset)


def test_decode_success_response_to_report() -> None:
    # docs/ble.md: the back-fill ends with the indication 06 00 01 01
    response = decode_racp_response(bytes.fromhex("06 00 01 01"))
    assert response == RacpResponse(RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCode.SUCCESS)
    assert isinstance(response, RacpResponse)
    assert response.succeeded


def test_decode_no_records_found() -> None:
    response = decode_racp_response(bytes.fromhex("06 00 01 06"))
    assert response == RacpResponse(1, RacpResponseCode.NO_RECORDS_FOUND)


def test_decode_number_of_records_response() -> None:
    assert decode_racp_response(bytes.fromhex("05 00 2c01")) == RacpNumberOfRecords(300)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes.fromhex("06 00 01"), "4-byte indication.*found 3"),
        (bytes.fromhex("06 01 01 01"), "operator 0"),
        (bytes.fromhex("06 00 01 0a"), "response code in .*found 10"),
        (bytes.fromhex("01 00 01 01"), "op code 5 or 6, found 1"),
        (b"", "found 0"),
    ],
)
def test_malformed_response_raises(data: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_racp_response(data)


@settings(derandomize=True, max_examples=100, print_blob=True)
@given(
    st.one_of(
        st.builds(RacpNumberOfRecords, st.integers(0, 0xFFFF)),
        st.builds(RacpResponse, st.integers(0, 0xFF), st.sampled_from(RacpResponseCode)),
    )
)
def test_response_round_trips(response: RacpResponse | RacpNumberOfRecords) -> None:
    assert decode_racp_response(encode_racp_response(response)) == response


@pytest.mark.parametrize(
    "wire",
    [encode_racp_report_all(), encode_racp_report_from(77), encode_racp_abort()],
)
def test_request_decode_then_encode_round_trips(wire: bytes) -> None:
    assert encode_racp_request(decode_racp_request(wire)) == wire


def test_decode_report_from_request() -> None:
    assert decode_racp_request(encode_racp_report_from(77)) == RacpRequest(
        RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.GREATER_THAN_OR_EQUAL, b"\x01\x4d\x00"
    )
