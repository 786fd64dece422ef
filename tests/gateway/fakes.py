"""Fake BLE peripherals and clients with scripted failures, for the retry paths.

The fake client implements the same methods the gateway calls on ``bleak.BleakClient``.
End-to-end tests over the Bumble-backed bleak backend live elsewhere; these fakes exist to
make each failure (connect abort, hang, missing characteristic, silence, duplicate
callbacks) happen exactly when a test wants it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bleak.backends.device import BLEDevice
from bleak.exc import BleakCharacteristicNotFoundError, BleakError

from gateway.central import Sighting
from gateway.codecs import uuids

Callback = Callable[[Any, bytearray], None]
Script = Callable[["FakePeripheral"], Coroutine[Any, Any, None]]

HANG = "hang"  # scripted connect outcome: never returns


@dataclass
class FakePeripheral:
    """A wearable: a GATT value table, subscribers, scripted connect outcomes.

    ``connect_outcomes`` is consumed one per connect attempt (an exception to raise, or
    HANG); once empty, connects succeed. ``on_subscribed[uuid]`` runs as a task when that
    characteristic is subscribed (to send notifications). ``on_write[uuid]`` answers writes.
    """

    address: str
    values: dict[str, bytes] = field(default_factory=dict)
    connect_outcomes: list[BaseException | str] = field(default_factory=list)
    on_subscribed: dict[str, Script] = field(default_factory=dict)
    on_write: dict[str, Callable[[FakePeripheral, bytes], None]] = field(default_factory=dict)
    hang_reads: set[str] = field(default_factory=set)
    stale_callbacks: bool = False  # keep old sessions' callbacks firing (buggy backend)
    clients: list[FakeClient] = field(default_factory=list)
    writes: list[tuple[str, bytes]] = field(default_factory=list)
    subscribers: dict[str, list[Callback]] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def client(self) -> FakeClient:
        return self.clients[-1]

    def notify(self, uuid: str, data: bytes) -> None:
        for callback in list(self.subscribers.get(uuid, [])):
            callback(None, bytearray(data))

    def drop_link(self) -> None:
        """The peripheral goes away: the current client sees a disconnect."""
        self.client.lose_link()


class FakeClient:
    """Stands in for ``bleak.BleakClient`` (the gateway's GattClient protocol)."""

    def __init__(self, peripheral: FakePeripheral, on_disconnect: Callable[[Any], None]) -> None:
        self._peripheral = peripheral
        self._on_disconnect = on_disconnect
        self._connected = False
        self.callbacks: list[tuple[str, Callback]] = []

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, **kwargs: Any) -> None:
        outcomes = self._peripheral.connect_outcomes
        outcome = outcomes.pop(0) if outcomes else None
        if outcome == HANG:
            await asyncio.Event().wait()
        if isinstance(outcome, BaseException):
            raise outcome
        self._connected = True

    async def disconnect(self) -> None:
        if self._connected:
            self.lose_link()

    def lose_link(self) -> None:
        self._connected = False
        p = self._peripheral
        if not p.stale_callbacks:
            for uuid, callback in self.callbacks:
                p.subscribers[uuid].remove(callback)
        self._on_disconnect(self)

    def _check(self, uuid: str) -> None:
        if not self._connected:
            raise BleakError("Not connected")
        if uuid not in self._peripheral.values and uuid not in self._peripheral.on_subscribed:
            raise BleakCharacteristicNotFoundError(uuid)

    async def read_gatt_char(self, char_specifier: str, **kwargs: Any) -> bytearray:
        self._check(char_specifier)
        if char_specifier in self._peripheral.hang_reads:
            await asyncio.Event().wait()
        return bytearray(self._peripheral.values[char_specifier])

    async def write_gatt_char(
        self, char_specifier: str, data: bytes, response: bool | None = None
    ) -> None:
        self._check(char_specifier)
        self._peripheral.writes.append((char_specifier, bytes(data)))
        answer = self._peripheral.on_write.get(char_specifier)
        if answer is not None:
            answer(self._peripheral, bytes(data))

    async def start_notify(self, char_specifier: str, callback: Callback, **kwargs: Any) -> None:
        self._check(char_specifier)
        self.callbacks.append((char_specifier, callback))
        self._peripheral.subscribers.setdefault(char_specifier, []).append(callback)
        script = self._peripheral.on_subscribed.get(char_specifier)
        if script is not None:
            self._peripheral.tasks.append(asyncio.create_task(script(self._peripheral)))


@dataclass
class FakeRadio:
    """Finder and client factory over fake peripherals; records concurrency."""

    peripherals: dict[str, FakePeripheral]
    visible: bool = True
    rssi_dbm: int = -61
    busy: int = 0
    max_busy: int = 0
    rediscover_flags: list[bool] = field(default_factory=list)

    async def find(self, address: str, timeout_s: float) -> Sighting | None:
        self.busy += 1
        self.max_busy = max(self.max_busy, self.busy)
        try:
            await asyncio.sleep(0)
            if not self.visible or address not in self.peripherals:
                return None
            return Sighting(BLEDevice(address, "fake", None), self.rssi_dbm)
        finally:
            self.busy -= 1

    def client(
        self, device: BLEDevice, on_disconnect: Callable[[Any], None], rediscover: bool
    ) -> FakeClient:
        self.rediscover_flags.append(rediscover)
        peripheral = self.peripherals[device.address]
        client = FakeClient(peripheral, on_disconnect)
        peripheral.clients.append(client)
        return client


def hr_peripheral(address: str = "AA:00:00:00:00:01") -> FakePeripheral:
    """A heart-rate strap with Device Information and Battery."""
    return FakePeripheral(
        address,
        values={
            uuids.MANUFACTURER_NAME: b"Acme",
            uuids.MODEL_NUMBER: b"HR-1",
            uuids.BATTERY_LEVEL: bytes([87]),
        },
    )


def notifications(
    uuid: str, payloads: list[bytes], *, then_drop: bool = True, gap_s: float = 0.0
) -> Script:
    """A script that notifies ``payloads`` in order, then (optionally) drops the link."""

    async def run(p: FakePeripheral) -> None:
        await asyncio.sleep(0)
        for data in payloads:
            p.notify(uuid, data)
            await asyncio.sleep(gap_s)
        if then_drop:
            await asyncio.sleep(0)
            p.drop_link()

    return run


class StepClock:
    """Aware clock advancing one second per call (distinct receive times)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@dataclass
class CgmStore:
    """A CGM's stored records and how it answers RACP (for :func:`cgm_peripheral`)."""

    records: list[bytes] = field(default_factory=list)  # encoded, offset order
    offsets: list[int] = field(default_factory=list)
    refuse_filter: bool = False  # answer ">=" with "operator not supported"
    answer: bool = True  # send the RACP response indication at all
    drop_after: int | None = None  # drop the link after this many back-filled records
    # Notify the newest record live just before the report, as a sensor does with a record
    # it measures between the collector's subscription and its selection of the records.
    newest_live_first: bool = False

    def add(self, offset_min: int, encoded: bytes) -> None:
        self.offsets.append(offset_min)
        self.records.append(encoded)


def cgm_peripheral(
    store: CgmStore, feature: bytes, session_start: bytes, address: str = "CC:00:00:00:00:01"
) -> FakePeripheral:
    """A CGM whose RACP replays ``store`` asynchronously, as indications would arrive."""
    from gateway.codecs.racp import (
        RacpOperator,
        RacpResponse,
        RacpResponseCode,
        decode_racp_request,
        encode_racp_response,
    )

    p = FakePeripheral(
        address,
        values={
            uuids.CGM_FEATURE: feature,
            uuids.CGM_SESSION_START_TIME: session_start,
            uuids.BATTERY_LEVEL: bytes([55]),
            uuids.CGM_MEASUREMENT: b"",
            uuids.RECORD_ACCESS_CONTROL_POINT: b"",
        },
    )

    async def replay(p: FakePeripheral, first: int | None) -> None:
        await asyncio.sleep(0)
        if first is not None and store.refuse_filter:
            code = RacpResponseCode.OPERATOR_NOT_SUPPORTED
            p.notify(uuids.RECORD_ACCESS_CONTROL_POINT, encode_racp_response(RacpResponse(1, code)))
            return
        if store.newest_live_first and store.records:
            p.notify(uuids.CGM_MEASUREMENT, store.records[-1])
            await asyncio.sleep(0)
        chosen = [
            r
            for o, r in zip(store.offsets, store.records, strict=True)
            if first is None or o >= first
        ]
        for n, record in enumerate(chosen):
            if store.drop_after is not None and n == store.drop_after:
                p.drop_link()
                return
            p.notify(uuids.CGM_MEASUREMENT, record)
            await asyncio.sleep(0)
        if store.answer:
            code = RacpResponseCode.SUCCESS if chosen else RacpResponseCode.NO_RECORDS_FOUND
            p.notify(uuids.RECORD_ACCESS_CONTROL_POINT, encode_racp_response(RacpResponse(1, code)))

    def on_racp(p: FakePeripheral, data: bytes) -> None:
        request = decode_racp_request(data)
        first = None
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL:
            first = int.from_bytes(request.operand[1:3], "little")
        p.tasks.append(asyncio.create_task(replay(p, first)))

    p.on_write[uuids.RECORD_ACCESS_CONTROL_POINT] = on_racp
    return p
