"""CGM Specific Ops Control Point 0x2AAC (write + indicate): start/stop a session.

Op codes and response codes from CGMS v1.0.1, 3.7 (Tables 3.8 and 3.9); docs/ble.md
lists start 0x1A, stop 0x1B, response 0x1C. Requests and responses carry an E2E-CRC when
the CGM Feature announces it (CGMS 3.7.1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gateway.codecs._cursor import ByteCursor, ByteData, as_bytes
from gateway.codecs.crc import append_crc, strip_crc
from gateway.errors import CodecError

_WHAT = "cgm specific ops control point"


class SocpOpCode(enum.IntEnum):
    """The SOCP op codes the gateway uses (CGMS Table 3.8; calibration/alert ops omitted)."""

    SET_COMMUNICATION_INTERVAL = 0x01
    GET_COMMUNICATION_INTERVAL = 0x02
    COMMUNICATION_INTERVAL_RESPONSE = 0x03
    START_SESSION = 0x1A
    STOP_SESSION = 0x1B
    RESPONSE_CODE = 0x1C


class SocpResponseCode(enum.IntEnum):
    """SOCP response code values (CGMS Table 3.9)."""

    SUCCESS = 0x01
    OP_CODE_NOT_SUPPORTED = 0x02
    INVALID_OPERAND = 0x03
    PROCEDURE_NOT_COMPLETED = 0x04
    PARAMETER_OUT_OF_RANGE = 0x05


@dataclass(frozen=True, slots=True)
class SocpResponse:
    """``1C <request op code> <response code>``: the outcome of one SOCP request."""

    request_op_code: int
    response_code: SocpResponseCode

    @property
    def succeeded(self) -> bool:
        """True when the sensor reports success."""
        return self.response_code is SocpResponseCode.SUCCESS


def _finish(payload: bytes, *, e2e_crc: bool) -> bytes:
    return append_crc(payload) if e2e_crc else payload


def encode_socp_start_session(*, e2e_crc: bool) -> bytes:
    """``1A`` (+CRC): ask the sensor to start a CGM session."""
    return _finish(bytes([SocpOpCode.START_SESSION]), e2e_crc=e2e_crc)


def encode_socp_stop_session(*, e2e_crc: bool) -> bytes:
    """``1B`` (+CRC): ask the sensor to stop the running session."""
    return _finish(bytes([SocpOpCode.STOP_SESSION]), e2e_crc=e2e_crc)


def encode_socp_response(response: SocpResponse, *, e2e_crc: bool) -> bytes:
    """Encode a response indication (for tests and fakes)."""
    payload = bytes([SocpOpCode.RESPONSE_CODE, response.request_op_code, response.response_code])
    return _finish(payload, e2e_crc=e2e_crc)


def decode_socp_response(data: ByteData, *, e2e_crc: bool) -> SocpResponse:
    """Decode a SOCP response-code indication ``1C <request op> <code>`` (+CRC).

    Raises
    ------
    CodecError
        Wrong length, an op code other than 0x1C, or an unassigned response code.
    CrcError
        The E2E-CRC is announced and does not match.
    """
    value = as_bytes(data, _WHAT)
    expected = 3 + 2 * e2e_crc  # op code + request op code + response code (+ CRC)
    if len(value) != expected:
        raise CodecError(f"{_WHAT}: expected a {expected}-byte response, found {len(value)} bytes")
    cursor = ByteCursor(strip_crc(value, _WHAT) if e2e_crc else value, _WHAT)
    op_code = cursor.uint8("op code")
    if op_code != SocpOpCode.RESPONSE_CODE:
        raise CodecError(f"{_WHAT}: expected response op code 0x1C, found 0x{op_code:02X}")
    request_op_code = cursor.uint8("request op code")
    code = cursor.uint8("response code")
    try:
        response_code = SocpResponseCode(code)
    except ValueError:
        raise CodecError(f"{_WHAT}: expected response code 1-5, found {code}") from None
    return SocpResponse(request_op_code=request_op_code, response_code=response_code)
