"""CGM Specific Ops Control Point 0x2AAC."""

from __future__ import annotations

import pytest

from gateway.codecs.cgm_control import (
    SocpOpCode,
    SocpResponse,
    SocpResponseCode,
    decode_socp_response,
    encode_socp_response,
    encode_socp_start_session,
    encode_socp_stop_session,
)
from gateway.errors import CodecError, CrcError
from tests.gateway.codecs.reference import with_crc


def test_start_session_without_crc_is_one_byte() -> None:
    assert encode_socp_start_session(e2e_crc=False) == b"\x1a"


def test_start_session_with_crc_appends_crc() -> None:
    assert encode_socp_start_session(e2e_crc=True) == with_crc(b"\x1a")


def test_stop_session_is_1b() -> None:
    assert encode_socp_stop_session(e2e_crc=False) == b"\x1b"


def test_decode_success_response_to_start_session() -> None:
    response = decode_socp_response(bytes.fromhex("1c 1a 01"), e2e_crc=False)
    assert response == SocpResponse(SocpOpCode.START_SESSION, SocpResponseCode.SUCCESS)
    assert response.succeeded


def test_decode_response_with_crc() -> None:
    response = decode_socp_response(with_crc(bytes.fromhex("1c 1b 04")), e2e_crc=True)
    assert response == SocpResponse(0x1B, SocpResponseCode.PROCEDURE_NOT_COMPLETED)
    assert not response.succeeded


def test_response_crc_mismatch_raises() -> None:
    with pytest.raises(CrcError):
        decode_socp_response(bytes.fromhex("1c 1a 01 0000"), e2e_crc=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes.fromhex("1c 1a"), "3-byte response, found 2"),
        (bytes.fromhex("1a 1a 01"), "op code 0x1C, found 0x1A"),
        (bytes.fromhex("1c 1a 06"), "response code 1-5, found 6"),
    ],
)
def test_malformed_response_raises(data: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_socp_response(data, e2e_crc=False)


@pytest.mark.parametrize("e2e_crc", [True, False])
def test_response_round_trips(e2e_crc: bool) -> None:
    response = SocpResponse(0x1A, SocpResponseCode.PARAMETER_OUT_OF_RANGE)
    wire = encode_socp_response(response, e2e_crc=e2e_crc)
    assert decode_socp_response(wire, e2e_crc=e2e_crc) == response
