"""One connected BLE session: GATT calls under timeouts, the notification pump, HR protocol.

A session starts with a connected client and ends when the link drops (normal end), the
device goes silent past the watchdog (:class:`SessionStalledError`), a GATT call hangs
(TimeoutError) or a needed characteristic is missing (:class:`CharacteristicMissingError`).
The supervisor in :mod:`gateway.central` owns connecting, reconnecting and backoff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bleak.exc import BleakCharacteristicNotFoundError, BleakError

from gateway.codecs import uuids
from gateway.codecs.battery import decode_battery_level
from gateway.codecs.device_info import decode_utf8_string
from gateway.codecs.heart_rate import decode_heart_rate_measurement
from gateway.config import DeviceConfig
from gateway.convert import heart_rate_readings
from gateway.errors import (
    CharacteristicMissingError,
    CodecError,
    RacpError,
    SessionStalledError,
)
from gateway.heartbeat import DeviceStatus
from gateway.notify import Notification, NotificationQueue
from gateway.outbox import CgmProgress, Outbox
from gateway.policy import ConnectionPolicy, bounded
from gateway.reading import Reading

log = logging.getLogger(__name__)

# Device Information strings recorded at connect time (docs/ble.md, DIS 0x180A).
DEVICE_INFO_FIELDS = (
    ("manufacturer_name", uuids.MANUFACTURER_NAME),
    ("model_number", uuids.MODEL_NUMBER),
    ("serial_number", uuids.SERIAL_NUMBER),
    ("firmware_revision", uuids.FIRMWARE_REVISION),
)


class GattClient(Protocol):
    """The part of :class:`bleak.BleakClient` a session uses (fakes implement the same)."""

    @property
    def is_connected(self) -> bool: ...

    async def connect(self, **kwargs: Any) -> None: ...

    async def disconnect(self) -> None: ...

    async def read_gatt_char(self, char_specifier: str, **kwargs: Any) -> bytearray: ...

    async def write_gatt_char(
        self, char_specifier: str, data: bytes, response: bool | None = None
    ) -> None: ...

    async def start_notify(
        self, char_specifier: str, callback: Callable[[Any, bytearray], None], **kwargs: Any
    ) -> None: ...


@dataclass(slots=True)
class DeviceCounters:
    """Cumulative per-device counts of what was received but not turned into readings."""

    undecodable: int = 0  # notifications the codec refused
    cgm_crc_dropped: int = 0  # CGM records dropped by the codec (E2E-CRC, size, framing)
    cgm_value_dropped: int = 0  # CGM records whose glucose was NaN / NRes / reserved
    late_callbacks: int = 0  # callbacks that fired after their session had ended
    sessions: int = 0  # sessions that got as far as subscribing


@dataclass(slots=True)
class SessionContext:
    """What a session needs besides the client: where data goes and its limits."""

    device: DeviceConfig
    outbox: Outbox
    status: DeviceStatus
    policy: ConnectionPolicy
    battery_interval_s: float
    clock: Callable[[], dt.datetime]
    counters: DeviceCounters


async def gatt_read(client: GattClient, uuid: str, ctx: SessionContext, what: str) -> bytes:
    """Read a characteristic within the call timeout; a missing one raises our error."""
    try:
        value = await bounded(client.read_gatt_char(uuid), ctx.policy.call_timeout_s, what)
    except BleakCharacteristicNotFoundError as exc:
        raise _missing(ctx, what, uuid) from exc
    return bytes(value)


async def gatt_subscribe(
    client: GattClient,
    uuid: str,
    callback: Callable[[Any, bytearray], None],
    ctx: SessionContext,
    what: str,
) -> None:
    """Enable notifications or indications within the call timeout."""
    try:
        await bounded(client.start_notify(uuid, callback), ctx.policy.call_timeout_s, what)
    except BleakCharacteristicNotFoundError as exc:
        raise _missing(ctx, what, uuid) from exc


async def gatt_write(
    client: GattClient, uuid: str, data: bytes, ctx: SessionContext, what: str
) -> None:
    """Write with response within the call timeout."""
    try:
        await bounded(
            client.write_gatt_char(uuid, data, response=True), ctx.policy.call_timeout_s, what
        )
    except BleakCharacteristicNotFoundError as exc:
        raise _missing(ctx, what, uuid) from exc


def _missing(ctx: SessionContext, what: str, uuid: str) -> CharacteristicMissingError:
    return CharacteristicMissingError(
        f"device {ctx.device.device_id} ({ctx.device.address}) has no {what} characteristic "
        f"{uuid}; expected a {ctx.device.kind!r} device: check the device kind in the gateway "
        "config, or the device's GATT cache is stale (the gateway rediscovers once)"
    )


async def read_device_info(client: GattClient, ctx: SessionContext) -> dict[str, str]:
    """Read the Device Information strings the device exposes and persist them."""
    info: dict[str, str] = {}
    for name, uuid in DEVICE_INFO_FIELDS:
        try:
            raw = await gatt_read(client, uuid, ctx, name)
            info[name] = decode_utf8_string(raw, characteristic=name)
        except (CharacteristicMissingError, CodecError, BleakError) as exc:
            log.debug("device %s: no %s (%s)", ctx.device.device_id, name, exc)
    if info:
        await asyncio.to_thread(ctx.outbox.record_device_info, ctx.device.device_id, info)
    return info


async def read_battery(client: GattClient, ctx: SessionContext) -> Reading | None:
    """Read Battery Level, update the device status, return it as a ``battery`` reading."""
    try:
        raw = await gatt_read(client, uuids.BATTERY_LEVEL, ctx, "battery level")
        level_pct = decode_battery_level(raw)
    except (CharacteristicMissingError, CodecError, BleakError) as exc:
        log.info("device %s: battery not read (%s)", ctx.device.device_id, exc)
        return None
    ctx.status.battery_percent = level_pct
    return Reading(ctx.device.device_id, "battery", ctx.clock(), float(level_pct))


async def store(
    ctx: SessionContext, readings: Sequence[Reading], progress: CgmProgress | None = None
) -> None:
    """Write readings (and CGM progress) to the outbox off the event loop."""
    if readings or progress is not None:
        await asyncio.to_thread(ctx.outbox.put, list(readings), progress)


Handle = Callable[[list[Notification]], Awaitable[None]]


@dataclass(slots=True)
class Deadline:
    """An extra watchdog for :func:`pump`: ``at`` (loop time) or None when disarmed."""

    at: float | None = None
    message: str = "deadline passed"


async def pump(
    client: GattClient,
    queue: NotificationQueue,
    ctx: SessionContext,
    silence_s: float,
    handle: Handle,
    deadline: Deadline | None = None,
) -> None:
    """Feed queued notifications to ``handle`` in order until the link ends.

    Everything queued at once is handed over as one list (one outbox transaction).
    Battery Level is read every ``ctx.battery_interval_s``.

    Raises
    ------
    SessionStalledError
        When nothing arrives for ``silence_s`` (watchdog).
    RacpError
        When ``deadline`` is armed and passes.
    """
    loop = asyncio.get_running_loop()
    last_rx = next_battery = loop.time()
    next_battery += ctx.battery_interval_s
    while True:
        extra = deadline.at if deadline is not None and deadline.at is not None else next_battery
        wait_s = max(0.0, min(last_rx + silence_s, next_battery, extra) - loop.time())
        try:
            first = await queue.next(wait_s)
        except TimeoutError:
            if deadline is not None and deadline.at is not None and loop.time() >= deadline.at:
                raise RacpError(deadline.message) from None
            if loop.time() >= last_rx + silence_s:
                raise SessionStalledError(
                    f"device {ctx.device.device_id} sent nothing for {silence_s:g} s while "
                    "connected; dropping the link to reconnect"
                ) from None
            if loop.time() < next_battery:
                continue
            next_battery = loop.time() + ctx.battery_interval_s
            battery = await read_battery(client, ctx)
            await store(ctx, [battery] if battery else [])
            continue
        items = [first, *queue.drain()]
        ended = None in items
        batch = [n for n in items if n is not None]
        if batch:
            last_rx = loop.time()
            ctx.status.last_seen_at = batch[-1].received_at
            await handle(batch)
        if ended:
            return


async def run_hr_session(client: GattClient, queue: NotificationQueue, ctx: SessionContext) -> None:
    """Heart Rate session: device info, battery, then HRM notifications until disconnect."""
    await read_device_info(client, ctx)
    battery = await read_battery(client, ctx)
    await store(ctx, [battery] if battery else [])
    await gatt_subscribe(
        client, uuids.HEART_RATE_MEASUREMENT, queue.handler("hrm"), ctx, "heart rate measurement"
    )
    ctx.counters.sessions += 1

    async def handle(batch: list[Notification]) -> None:
        readings: list[Reading] = []
        for note in batch:
            try:
                measurement = decode_heart_rate_measurement(note.data)
            except CodecError as exc:
                ctx.counters.undecodable += 1
                log.warning("device %s: undecodable HRM dropped: %s", ctx.device.device_id, exc)
                continue
            readings.extend(
                heart_rate_readings(ctx.device.device_id, note.received_at, measurement)
            )
        await store(ctx, readings)

    await pump(client, queue, ctx, ctx.policy.hr_silence_s, handle)
