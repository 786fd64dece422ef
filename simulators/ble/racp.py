"""Record Access Control Point requests for a record store (pure logic).

Request layout ``op code | operator | operand`` (CGMS 1.0.1 section 3.8, GLS 1.0
section 3.9 and the project sheet ``docs/ble.md``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from simulators.ble.encoding import (
    RACP_OP_ABORT,
    RACP_OP_DELETE_RECORDS,
    RACP_OP_REPORT_NUMBER,
    RACP_OP_REPORT_RECORDS,
    RacpResponseCode,
)
from simulators.ble.errors import BleSimulatorError

OPERATOR_NULL = 0x00
OPERATOR_ALL = 0x01
OPERATOR_LESS_OR_EQUAL = 0x02
OPERATOR_GREATER_OR_EQUAL = 0x03
OPERATOR_WITHIN_RANGE = 0x04
OPERATOR_FIRST = 0x05
OPERATOR_LAST = 0x06
# Filter type 0x01: CGMS time offset / GLS sequence number, both uint16 (CGMS 1.0.1 3.8,
# GLS 1.0 3.9). GLS user-facing time (0x02) is not supported by the simulated meters.
FILTER_UINT16 = 0x01
_UINT16 = struct.Struct("<H")
_R = TypeVar("_R")
_UINT16_PAIR = struct.Struct("<HH")


class RacpRequestError(BleSimulatorError):
    """A RACP request the sensor answers with an error response code."""

    def __init__(self, op_code: int, code: RacpResponseCode, detail: str) -> None:
        super().__init__(f"RACP op 0x{op_code:02X} rejected ({code.name}): {detail}")
        self.op_code = op_code
        self.code = code


@dataclass(frozen=True)
class RacpRequest:
    """A parsed RACP request.

    ``low``/``high`` are inclusive bounds on the filter value (time offset in minutes
    for CGMS, sequence number for GLS); ``None`` leaves that side open.
    """

    op_code: int
    operator: int
    low: int | None = None
    high: int | None = None


def parse_racp_request(data: bytes) -> RacpRequest:
    """Parse and validate a RACP request.

    Raises
    ------
    RacpRequestError
        With the response code the sensor must indicate (op code not supported,
        invalid operator, operator not supported or invalid operand).
    """
    if len(data) < 2:
        op_code = data[0] if data else 0
        raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERATOR, "no operator")
    op_code, operator, operand = data[0], data[1], data[2:]
    if op_code == RACP_OP_ABORT:
        return _parse_abort(op_code, operator, operand)
    if op_code in (RACP_OP_REPORT_RECORDS, RACP_OP_REPORT_NUMBER):
        return _parse_report(op_code, operator, operand)
    detail = "delete is not supported" if op_code == RACP_OP_DELETE_RECORDS else "unknown op code"
    raise RacpRequestError(op_code, RacpResponseCode.OP_CODE_NOT_SUPPORTED, detail)


def _parse_abort(op_code: int, operator: int, operand: bytes) -> RacpRequest:
    if operator != OPERATOR_NULL or operand:
        raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERATOR, "abort takes 00")
    return RacpRequest(op_code, operator)


def _parse_report(op_code: int, operator: int, operand: bytes) -> RacpRequest:
    if operator in (OPERATOR_ALL, OPERATOR_FIRST, OPERATOR_LAST):
        if operand:
            raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERAND, "unexpected operand")
        return RacpRequest(op_code, operator)
    if operator not in (OPERATOR_LESS_OR_EQUAL, OPERATOR_GREATER_OR_EQUAL, OPERATOR_WITHIN_RANGE):
        raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERATOR, f"operator {operator}")
    if not operand or operand[0] != FILTER_UINT16:
        raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERAND, "filter must be 0x01")
    values = operand[1:]
    if operator == OPERATOR_WITHIN_RANGE:
        if len(values) != _UINT16_PAIR.size:
            raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERAND, "need two uint16")
        low, high = _UINT16_PAIR.unpack(values)
        if low > high:
            raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERAND, "min > max")
        return RacpRequest(op_code, operator, low, high)
    if len(values) != _UINT16.size:
        raise RacpRequestError(op_code, RacpResponseCode.INVALID_OPERAND, "need one uint16")
    (bound,) = _UINT16.unpack(values)
    if operator == OPERATOR_LESS_OR_EQUAL:
        return RacpRequest(op_code, operator, None, bound)
    return RacpRequest(op_code, operator, bound, None)


def select_records(
    records: Sequence[_R], request: RacpRequest, key: Callable[[_R], int]
) -> list[_R]:
    """The stored records a report request addresses, oldest first.

    ``key(record)`` is the record's filter value (time offset or sequence number).
    """
    if not records:
        return []
    if request.operator == OPERATOR_FIRST:
        return [records[0]]
    if request.operator == OPERATOR_LAST:
        return [records[-1]]
    low, high = request.low, request.high
    return [
        r for r in records if (low is None or key(r) >= low) and (high is None or key(r) <= high)
    ]
