"""The peripheral side of a Record Access Control Point (CGMS and GLS back-fill).

A collector enables notifications on the measurement characteristic and indications on
RACP, writes a request, receives the selected records as measurement notifications, and
then one RACP indication with the result (CGMS 1.0.1 section 3.8, GLS 1.0 section 3.9).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

from bumble import att, core, gatt
from bumble.device import Connection

from simulators.ble.encoding import (
    RACP_OP_ABORT,
    RACP_OP_REPORT_NUMBER,
    RacpResponseCode,
    encode_racp_number_response,
    encode_racp_response,
)
from simulators.ble.peripherals.common import LinkLostError, VirtualWearable, characteristic
from simulators.ble.racp import RacpRequest, RacpRequestError, parse_racp_request

log = logging.getLogger(__name__)

RACP_UUID = 0x2A52
# Core Specification Supplement Part B 1.2 common profile and service error codes.
ATT_ERROR_CCCD_IMPROPERLY_CONFIGURED = 0xFD
ATT_ERROR_PROCEDURE_IN_PROGRESS = 0xFE
_NOTIFICATION_OVERHEAD = 3  # ATT opcode + handle (Core 5.4 Vol 3 Part F 3.4.7.1)

_R = TypeVar("_R")


def pack_records(encoded_records: Iterable[bytes], max_payload: int) -> list[bytes]:
    """Concatenate encoded records into notification payloads of at most ``max_payload``."""
    payloads: list[bytes] = []
    current = b""
    for record in encoded_records:
        if current and len(current) + len(record) > max_payload:
            payloads.append(current)
            current = b""
        current += record
    if current:
        payloads.append(current)
    return payloads


class RacpServer(Generic[_R]):
    """Serve RACP for one wearable's record store.

    Parameters
    ----------
    wearable : VirtualWearable
        The peripheral (connections, subscriptions, notifications).
    measurement : gatt.Characteristic
        The characteristic the records are notified on.
    select : callable
        ``select(request) -> records`` for a parsed report request, oldest first.
    encode : callable
        ``encode(record) -> bytes`` for transmission.
    pack : bool
        Concatenate several records per notification (CGM records carry their size;
        Glucose Measurement records do not, so GLS sends one per notification).
    """

    def __init__(
        self,
        wearable: VirtualWearable,
        measurement: gatt.Characteristic[bytes],
        select: Callable[[RacpRequest], Sequence[_R]],
        encode: Callable[[_R], bytes],
        pack: bool,
    ) -> None:
        self._wearable = wearable
        self._measurement = measurement
        self._select = select
        self._encode = encode
        self._pack = pack
        self._task: asyncio.Task[None] | None = None
        self._busy = False
        self.characteristic = characteristic(
            RACP_UUID, "WRITE|INDICATE", gatt.CharacteristicValue(write=self._on_write)
        )

    def _on_write(self, connection: Connection, value: bytes) -> None:
        if not (
            self._wearable.is_subscribed(self.characteristic, connection, indicate=True)
            and self._wearable.is_subscribed(self._measurement, connection, indicate=False)
        ):
            raise att.ATT_Error(ATT_ERROR_CCCD_IMPROPERLY_CONFIGURED)
        if value[:1] == bytes([RACP_OP_ABORT]):
            self._wearable.spawn(self._abort(connection, value))
            return
        if self._busy:
            raise att.ATT_Error(ATT_ERROR_PROCEDURE_IN_PROGRESS)
        self._busy = True
        self._task = self._wearable.spawn(self._procedure(connection, value))

    async def _abort(self, connection: Connection, value: bytes) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._busy = False
        try:
            parse_racp_request(value)
            response = encode_racp_response(RACP_OP_ABORT, RacpResponseCode.SUCCESS)
        except RacpRequestError as exc:
            response = encode_racp_response(exc.op_code, exc.code)
        await self._indicate(connection, response)

    async def _procedure(self, connection: Connection, value: bytes) -> None:
        try:
            response = await self._response(connection, value)
        except LinkLostError:
            log.debug("%s: RACP procedure ended by disconnection", self._wearable.name)
            return
        finally:
            # The procedure is over once its response is on its way: a collector may
            # write the next request as soon as it sees the indication.
            self._busy = False
        await self._indicate(connection, response)

    async def _response(self, connection: Connection, value: bytes) -> bytes:
        try:
            request = parse_racp_request(value)
        except RacpRequestError as exc:
            return encode_racp_response(exc.op_code, exc.code)
        selected = self._select(request)
        if request.op_code == RACP_OP_REPORT_NUMBER:
            return encode_racp_number_response(len(selected))
        if not selected:
            return encode_racp_response(request.op_code, RacpResponseCode.NO_RECORDS_FOUND)
        encoded = [self._encode(record) for record in selected]
        if self._pack:
            encoded = pack_records(encoded, connection.att_mtu - _NOTIFICATION_OVERHEAD)
        for payload in encoded:
            await self._wearable.notify_connection(connection, self._measurement, payload)
            await asyncio.sleep(0)  # let an abort request in between notifications
        return encode_racp_response(request.op_code, RacpResponseCode.SUCCESS)

    async def _indicate(self, connection: Connection, value: bytes) -> None:
        if connection not in self._wearable.connections:
            return
        try:
            await self._wearable.device.indicate_subscriber(connection, self.characteristic, value)
        except (core.BaseBumbleError, TimeoutError) as exc:
            log.debug("%s: RACP indication not confirmed: %r", self._wearable.name, exc)
