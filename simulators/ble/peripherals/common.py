"""What every virtual wearable shares: Battery and Device Information services,
advertising, a measurement task, and the faults a gateway must survive."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from bumble import gatt, hci
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device

from simulators.ble.clock import SimClock
from simulators.ble.encoding import encode_battery_level
from simulators.ble.errors import BleSimulatorError, RadioError

log = logging.getLogger(__name__)

BATTERY_SERVICE_UUID = 0x180F
BATTERY_LEVEL_UUID = 0x2A19
DEVICE_INFORMATION_SERVICE_UUID = 0x180A
MANUFACTURER_NAME_UUID = 0x2A29
MODEL_NUMBER_UUID = 0x2A24
SERIAL_NUMBER_UUID = 0x2A25
FIRMWARE_REVISION_UUID = 0x2A26

# Core 5.4 Vol 6 Part B 4.4.2.2.1 allows 20 ms..10.24 s; 100 ms keeps discovery fast
# without flooding a shared 2-core host with advertising events.
DEFAULT_ADVERTISING_INTERVAL_MS = 100.0
_LEGACY_ADVERTISING_DATA_MAX = 31  # Core 5.4 Vol 6 Part B 2.3.1.1 (AdvData 0-31 octets)
_AD_FLAGS_LE_GENERAL_DISCOVERABLE_NO_BR_EDR = 0x06  # CSS Part A 1.3 Flags
_CCCD_NOTIFY = 0x01  # Core 5.4 Vol 3 Part G 3.3.3.3
_CCCD_INDICATE = 0x02


@dataclass(frozen=True)
class DeviceInfo:
    """Device Information Service strings (DIS 1.1 section 3)."""

    manufacturer: str
    model: str
    serial: str
    firmware: str


def build_advertising_data(name: str, service_uuids_16: Sequence[int]) -> bytes:
    """Flags, Complete Local Name and the complete list of 16-bit service UUIDs."""
    structures = [
        (AdvertisingData.Type.FLAGS, bytes([_AD_FLAGS_LE_GENERAL_DISCOVERABLE_NO_BR_EDR])),
        (AdvertisingData.Type.COMPLETE_LOCAL_NAME, name.encode("utf-8")),
        (
            AdvertisingData.Type.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            b"".join(uuid.to_bytes(2, "little") for uuid in service_uuids_16),
        ),
    ]
    data = bytes(AdvertisingData(structures))
    if len(data) > _LEGACY_ADVERTISING_DATA_MAX:
        raise BleSimulatorError(
            f"expected advertising data of at most {_LEGACY_ADVERTISING_DATA_MAX} bytes; "
            f"found {len(data)} for name {name!r}; use a shorter name"
        )
    return data


def readable(uuid_16: int, value: bytes) -> gatt.Characteristic[bytes]:
    """A read-only characteristic with a fixed value."""
    return characteristic(uuid_16, "READ", value)


def characteristic(
    uuid_16: int, properties: str, value: bytes | gatt.CharacteristicValue[bytes]
) -> gatt.Characteristic[bytes]:
    """A characteristic with a 16-bit UUID, properties such as ``"READ|WRITE"`` and a
    fixed or computed value; permissions follow the read/write properties."""
    props = gatt.Characteristic.Properties.from_string(properties)
    permissions = [
        name
        for flag, name in (
            (gatt.Characteristic.Properties.READ, "READABLE"),
            (gatt.Characteristic.Properties.WRITE, "WRITEABLE"),
        )
        if props & flag
    ]
    return gatt.Characteristic(
        UUID.from_16_bits(uuid_16), props, ",".join(permissions) or "READABLE", value
    )


class LinkLostError(BleSimulatorError):
    """The connection a notification was meant for has gone."""


class WearableOptions(TypedDict):
    """The keyword arguments of :class:`VirtualWearable`, which every wearable takes and
    passes on unchanged (``**options: Unpack[WearableOptions]``)."""

    name: str
    address: str
    info: DeviceInfo
    clock: SimClock
    battery_percent: NotRequired[int]
    advertising_interval_ms: NotRequired[float]


class VirtualWearable(abc.ABC):
    """Base class of the simulated peripherals (one Bumble device each).

    Parameters
    ----------
    name : str
        Advertised Complete Local Name.
    address : str
        Static random Bluetooth address, e.g. from ``radio.static_random_address(n)``.
    info : DeviceInfo
        Device Information strings.
    clock : SimClock
        Simulated time that paces measurements.
    battery_percent : int
        Initial Battery Level.
    advertising_interval_ms : float
        Advertising interval (real time, not simulated).
    """

    def __init__(
        self,
        *,
        name: str,
        address: str,
        info: DeviceInfo,
        clock: SimClock,
        battery_percent: int = 100,
        advertising_interval_ms: float = DEFAULT_ADVERTISING_INTERVAL_MS,
    ) -> None:
        self.name = name
        self.address = address.upper()
        self.info = info
        self.clock = clock
        self._battery_percent = battery_percent
        self._advertising_interval_ms = advertising_interval_ms
        self._device: Device | None = None
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._drops_remaining = 0
        self._battery_level: gatt.Characteristic[bytes] = gatt.Characteristic(
            UUID.from_16_bits(BATTERY_LEVEL_UUID),
            gatt.Characteristic.Properties.READ | gatt.Characteristic.Properties.NOTIFY,
            "READABLE",
            gatt.CharacteristicValue[bytes](read=self._read_battery),
        )

    # --- what subclasses provide ------------------------------------------------------
    @property
    @abc.abstractmethod
    def advertised_service_uuids(self) -> tuple[int, ...]:
        """16-bit UUIDs of the primary services to advertise."""

    @abc.abstractmethod
    def build_services(self) -> list[gatt.Service]:
        """The device-specific GATT services (Battery and DIS are added here)."""

    @abc.abstractmethod
    async def run(self) -> None:
        """The measurement loop; runs from :meth:`start` until stopped or exhausted."""

    # --- lifecycle (called by the radio) ---------------------------------------------
    def attach(self, device: Device) -> None:
        """Serve this wearable's GATT database on ``device`` (before power-on)."""
        self._device = device
        device.add_services([*self.build_services(), *self._common_services()])
        device.on(Device.EVENT_CONNECTION, self._on_connection)

    async def start_advertising(self) -> None:
        """Advertise connectably; restart automatically after every disconnection."""
        await self.device.start_advertising(
            advertising_data=build_advertising_data(self.name, self.advertised_service_uuids),
            advertising_interval_min=self._advertising_interval_ms,
            advertising_interval_max=self._advertising_interval_ms,
            auto_restart=True,
        )

    def start(self) -> None:
        """Start the measurement task."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"wearable-{self.name}")

    async def stop(self) -> BaseException | None:
        """Cancel the measurement task; return the exception it failed with, if any."""
        for background in list(self._background):
            background.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        task, self._task = self._task, None
        if task is None:
            return None
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return None
        return None if task.cancelled() else task.exception()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``coroutine`` as a task owned by this wearable (cancelled by :meth:`stop`)."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def wait_finished(self) -> None:
        """Wait until the feed is exhausted (the measurement task returns)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    @property
    def device(self) -> Device:
        """The Bumble device (after :meth:`attach`)."""
        if self._device is None:
            raise RadioError(f"{self.name} is not on a radio; call `await radio.add(...)`")
        return self._device

    @property
    def connections(self) -> list[Connection]:
        """Open connections (normally zero or one gateway)."""
        return list(self.device.connections.values())

    # --- faults -----------------------------------------------------------------------
    async def disconnect(self) -> None:
        """Fault: terminate every connection from the peripheral side (reason 0x13)."""
        for connection in self.connections:
            await connection.disconnect(hci.HCI_ErrorCode.REMOTE_USER_TERMINATED_CONNECTION_ERROR)

    def drop_next_connections(self, count: int = 1) -> None:
        """Fault: end the next ``count`` connections right after they are established.

        The gateway sees a transient connect failure (what BlueZ reports as
        ``le-connection-abort-by-local``); reason 0x3E, Connection Failed to be
        Established (Core 5.4 Vol 1 Part F 2.62).
        """
        self._drops_remaining += count

    def _on_connection(self, connection: Connection) -> None:
        if self._drops_remaining > 0:
            self._drops_remaining -= 1
            reason = hci.HCI_ErrorCode.CONNECTION_FAILED_TO_BE_ESTABLISHED_ERROR
            self.spawn(connection.disconnect(reason))

    @property
    def battery_percent(self) -> int:
        """Current Battery Level in percent."""
        return self._battery_percent

    async def set_battery_percent(self, percent: int) -> None:
        """Set the Battery Level and notify subscribed gateways."""
        value = encode_battery_level(percent)
        self._battery_percent = percent
        await self.device.notify_subscribers(self._battery_level, value)

    async def drain_battery(self, by_percent: int) -> None:
        """Fault: drop the battery by ``by_percent`` points (not below 0)."""
        await self.set_battery_percent(max(0, self._battery_percent - by_percent))

    # --- helpers for subclasses -------------------------------------------------------
    def is_subscribed(
        self, characteristic: gatt.Characteristic[Any], connection: Connection, indicate: bool
    ) -> bool:
        """Whether ``connection`` enabled notifications (or indications) on ``characteristic``."""
        cccds = self.device.gatt_server.subscribers.get(connection, {})
        cccd = cccds.get(characteristic.handle) or b"\x00"
        bit = _CCCD_INDICATE if indicate else _CCCD_NOTIFY
        return bool(cccd[0] & bit)

    async def notify_connection(
        self, connection: Connection, characteristic: gatt.Characteristic[bytes], value: bytes
    ) -> None:
        """Notify ``value`` to one connection.

        Raises
        ------
        LinkLostError
            If the connection has gone (the caller keeps the data for a back-fill).
        """
        if connection not in self.connections:
            raise LinkLostError(f"{self.name}: connection {connection.handle} is gone")
        await self.device.notify_subscriber(connection, characteristic, value)

    def any_subscriber(self, characteristic: gatt.Characteristic[Any]) -> bool:
        """Whether any connection enabled notifications on ``characteristic``."""
        return any(self.is_subscribed(characteristic, c, False) for c in self.connections)

    async def wait_for_subscriber(self, characteristic: gatt.Characteristic[Any]) -> None:
        """Wait until some gateway enables notifications on ``characteristic``."""
        subscribed = asyncio.Event()

        def on_subscription(_bearer: object, notify: bool, _indicate: bool) -> None:
            if notify:
                subscribed.set()

        characteristic.on(characteristic.EVENT_SUBSCRIPTION, on_subscription)
        try:
            if not self.any_subscriber(characteristic):
                await subscribed.wait()
        finally:
            characteristic.remove_listener(characteristic.EVENT_SUBSCRIPTION, on_subscription)

    def _read_battery(self, _connection: Connection) -> bytes:
        return encode_battery_level(self._battery_percent)

    def _common_services(self) -> list[gatt.Service]:
        battery = gatt.Service(UUID.from_16_bits(BATTERY_SERVICE_UUID), [self._battery_level])
        info = gatt.Service(
            UUID.from_16_bits(DEVICE_INFORMATION_SERVICE_UUID),
            [
                readable(MANUFACTURER_NAME_UUID, self.info.manufacturer.encode()),
                readable(MODEL_NUMBER_UUID, self.info.model.encode()),
                readable(SERIAL_NUMBER_UUID, self.info.serial.encode()),
                readable(FIRMWARE_REVISION_UUID, self.info.firmware.encode()),
            ],
        )
        return [battery, info]
