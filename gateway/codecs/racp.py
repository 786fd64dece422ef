"""Record Access Control Point 0x2A52 (write + indicate): back-fill of stored records.

Format ``op code | operator | operand`` (CGMS v1.0.1 3.8 and GLS v1.0 3.x, "Record Access
Control Point"; values restated in docs/ble.md). The gateway writes requests and
decodes the two indications that end a procedure: ``06 00 <request op> <code>`` and the
number-of-records response ``05 00 <uint16>``. CGMS RACP values carry no E2E-CRC.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from struct import Struct
from typing import TypeVar

from gateway.codecs._cursor import ByteData, as_bytes
from gateway.errors import CodecError

_WHAT = "record access control point"
_E = TypeVar("_E", bound=enum.IntEnum)
PACK_FILTERED_REQUEST = Struct("<BBBH").pack  # op, operator, filter type, uint16 operand
UNPACK_RESPONSE = Struct("<BBBB").unpack_from  # op 0x06, operator 0, request op, code
UNPACK_NUMBER_RESPONSE = Struct("<BBH").unpack_from  # op 0x05, operator 0, uint16 count
PACK_NUMBER_RESPONSE = Struct("<BBH").pack
_RESPONSE_SIZE = 4  # both indications are 4 bytes (docs/ble.md)

# Filter types (docs/ble.md): CGMS 0x01 = time offset (uint16 minutes);
# GLS 0x01 = sequence number (uint16), 0x02 = user-facing time.
FILTER_CGM_TIME_OFFSET = 0x01
FILTER_GLS_SEQUENCE_NUMBER = 0x01
FILTER_GLS_USER_FACING_TIME = 0x02


class RacpOpCode(enum.IntEnum):
    """RACP op codes (docs/ble.md)."""

    REPORT_STORED_RECORDS = 1
    DELETE_STORED_RECORDS = 2
    ABORT_OPERATION = 3
    REPORT_NUMBER_OF_STORED_RECORDS = 4
    NUMBER_OF_STORED_RECORDS_RESPONSE = 5
    RESPONSE_CODE = 6


class RacpOperator(enum.IntEnum):
    """RACP operators (docs/ble.md)."""

    NULL = 0
    ALL_RECORDS = 1
    LESS_THAN_OR_EQUAL = 2
    GREATER_THAN_OR_EQUAL = 3
    WITHIN_RANGE = 4
    FIRST_RECORD = 5
    LAST_RECORD = 6


class RacpResponseCode(enum.IntEnum):
    """RACP response code values (docs/ble.md 1-8; 9 from GLS v1.0 Table 3.x)."""

    SUCCESS = 1
    OP_CODE_NOT_SUPPORTED = 2
    INVALID_OPERATOR = 3
    OPERATOR_NOT_SUPPORTED = 4
    INVALID_OPERAND = 5
    NO_RECORDS_FOUND = 6
    ABORT_UNSUCCESSFUL = 7
    PROCEDURE_NOT_COMPLETED = 8
    OPERAND_NOT_SUPPORTED = 9


@dataclass(frozen=True, slots=True)
class RacpRequest:
    """A request as written: op code, operator and the raw operand bytes."""

    op_code: RacpOpCode
    operator: RacpOperator
    operand: bytes = b""


@dataclass(frozen=True, slots=True)
class RacpResponse:
    """``06 00 <request op> <code>``: how the procedure `request_op_code` ended."""

    request_op_code: int
    response_code: RacpResponseCode

    @property
    def succeeded(self) -> bool:
        """True for SUCCESS (NO_RECORDS_FOUND is a normal end of an empty back-fill)."""
        return self.response_code is RacpResponseCode.SUCCESS


@dataclass(frozen=True, slots=True)
class RacpNumberOfRecords:
    """``05 00 <uint16>``: the answer to a report-number request."""

    count: int


def encode_racp_request(request: RacpRequest) -> bytes:
    """Encode any RACP request."""
    return bytes([request.op_code, request.operator]) + request.operand


def _filtered(op_code: RacpOpCode, operator: RacpOperator, filter_type: int, value: int) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise CodecError(f"{_WHAT}: expected a uint16 filter value 0-65535, found {value}")
    return PACK_FILTERED_REQUEST(op_code, operator, filter_type, value)


def encode_racp_report_all() -> bytes:
    """``01 01``: report every stored record."""
    return encode_racp_request(
        RacpRequest(RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.ALL_RECORDS)
    )


def encode_racp_report_from(offset_min: int) -> bytes:
    """``01 03 01 <uint16 LE>``: report CGM records with time offset >= `offset_min`.

    With a Glucose Service the same bytes mean sequence number >= the value.
    """
    return _filtered(
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOperator.GREATER_THAN_OR_EQUAL,
        FILTER_CGM_TIME_OFFSET,
        offset_min,
    )


def encode_racp_report_number_all() -> bytes:
    """``04 01``: ask how many records are stored."""
    op = RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS
    return encode_racp_request(RacpRequest(op, RacpOperator.ALL_RECORDS))


def encode_racp_report_number_from(offset_min: int) -> bytes:
    """``04 03 01 <uint16 LE>``: how many CGM records have time offset >= `offset_min`."""
    return _filtered(
        RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS,
        RacpOperator.GREATER_THAN_OR_EQUAL,
        FILTER_CGM_TIME_OFFSET,
        offset_min,
    )


def encode_racp_abort() -> bytes:
    """``03 00``: abort the running procedure."""
    return encode_racp_request(RacpRequest(RacpOpCode.ABORT_OPERATION, RacpOperator.NULL))


def decode_racp_request(data: ByteData) -> RacpRequest:
    """Decode a request (what a peripheral receives; used by fakes and round-trip tests)."""
    value = as_bytes(data, _WHAT)
    if len(value) < 2:
        raise CodecError(f"{_WHAT}: expected op code and operator (2 bytes), found {len(value)}")
    op_code = _enum(RacpOpCode, value[0], "op code")
    operator = _enum(RacpOperator, value[1], "operator")
    return RacpRequest(op_code, operator, value[2:])


def decode_racp_response(data: ByteData) -> RacpResponse | RacpNumberOfRecords:
    """Decode a RACP indication.

    Returns
    -------
    RacpResponse or RacpNumberOfRecords
        For op code 6 (response code) and op code 5 (number of stored records).

    Raises
    ------
    CodecError
        Not 4 bytes, another op code, a non-null operator or an unassigned response code.
    """
    value = as_bytes(data, _WHAT)
    if len(value) != _RESPONSE_SIZE:
        raise CodecError(
            f"{_WHAT}: expected a {_RESPONSE_SIZE}-byte indication (06 00 op code or "
            f"05 00 uint16), found {len(value)} byte(s): {value.hex(' ')}"
        )
    if value[1] != RacpOperator.NULL:
        raise CodecError(f"{_WHAT}: expected operator 0 (null) in a response, found {value[1]}")
    if value[0] == RacpOpCode.NUMBER_OF_STORED_RECORDS_RESPONSE:
        return RacpNumberOfRecords(count=UNPACK_NUMBER_RESPONSE(value)[2])
    if value[0] == RacpOpCode.RESPONSE_CODE:
        _, _, request_op_code, code = UNPACK_RESPONSE(value)
        return RacpResponse(request_op_code, _enum(RacpResponseCode, code, "response code"))
    raise CodecError(f"{_WHAT}: expected response op code 5 or 6, found {value[0]}")


def encode_racp_response(response: RacpResponse | RacpNumberOfRecords) -> bytes:
    """Encode an indication (for tests and fakes)."""
    if isinstance(response, RacpNumberOfRecords):
        op = RacpOpCode.NUMBER_OF_STORED_RECORDS_RESPONSE
        return PACK_NUMBER_RESPONSE(op, RacpOperator.NULL, response.count)
    op_code, operator = RacpOpCode.RESPONSE_CODE, RacpOperator.NULL
    return bytes([op_code, operator, response.request_op_code, response.response_code])


def _enum(kind: type[_E], raw: int, field: str) -> _E:
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(str(int(member)) for member in kind)
        raise CodecError(f"{_WHAT}: expected {field} in {{{allowed}}}, found {raw}") from None
