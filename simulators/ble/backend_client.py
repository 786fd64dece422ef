"""A bleak client backend that connects through the simulated radio's central.

Use through bleak's public API::

    BleakClient(device_or_address, backend=BumbleBleakClient, radio=virtual_radio)

(``radio.client_kwargs()`` returns exactly those keyword arguments). Behaviour follows
bleak's BlueZ backend where the base class leaves it open: the disconnected callback
runs once per connection, for local and remote disconnections alike; a connect that
finds nothing within ``timeout`` raises; notifications are preferred over indications.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError, BleakGATTProtocolError
from bumble import att, core, hci
from bumble.device import Connection, Peer

from simulators.ble.backend_scanner import BumbleDeviceDetails
from simulators.ble.central import BumbleCentral, resolve_central
from simulators.ble.errors import BleakConnectTimeoutError
from simulators.ble.services import discover_service_collection

log = logging.getLogger(__name__)

_T = TypeVar("_T")

# BlueZ asks for the largest ATT MTU (517, Core 5.4 Vol 3 Part F 3.2.9) on every LE
# connection; the peripheral answers with its own limit and the smaller one applies.
REQUESTED_ATT_MTU = 517
DISCONNECT_TIMEOUT_S = 10.0  # same bound bleak's BlueZ backend uses for Disconnect


class BumbleBleakClient(BaseBleakClient):
    """bleak client backend over a Bumble central (:class:`BumbleCentral`).

    Parameters
    ----------
    address_or_ble_device : BLEDevice or str
        A device from :class:`BumbleBleakScanner` or its address.
    disconnected_callback, timeout, services
        As passed by ``BleakClient``.
    radio : VirtualRadio or BumbleCentral, optional
        The radio to connect over; defaults to the one that discovered the device.
    """

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None,
        timeout: float,
        services: set[str] | None = None,
        radio: object = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self.address = self.address.upper()
        self._central = _resolve_central(address_or_ble_device, radio)
        self._service_filter = services
        self._name = getattr(address_or_ble_device, "name", None)
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._disconnected = asyncio.Event()
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        del kwargs  # bluez=/winrt= platform arguments have no meaning here

    # --- properties -------------------------------------------------------------------
    @property
    def name(self) -> str:
        """Advertised name when known, else the address with dashes (as BlueZ does)."""
        return self._name or self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        """Negotiated ATT MTU (23 before the exchange)."""
        return int(self._connection.att_mtu) if self._connection else att.ATT_DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        return self._connection is not None

    # --- connectivity -----------------------------------------------------------------
    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Connect, exchange the MTU and discover services within ``timeout``."""
        if self.is_connected:
            raise BleakError("Client is already connected")
        if pair:
            log.debug("pairing is not simulated; connecting without it")
        timeout_s = float(kwargs.get("timeout", self._timeout))
        connection = await self._create_connection(timeout_s)
        try:
            async with asyncio.timeout(timeout_s):
                await self._set_up(connection)
        except TimeoutError as exc:
            await self._abandon()
            raise BleakConnectTimeoutError(
                f"expected MTU exchange and service discovery on {self.address} to finish "
                f"within {timeout_s} s; they did not; disconnect and retry"
            ) from exc
        except BaseException:
            await self._abandon()
            raise

    async def _abandon(self) -> None:
        """Tear down a half set-up connection without masking the original error."""
        try:
            await self.disconnect()
        except Exception as exc:  # the original failure is what the caller needs
            log.debug("teardown after failed connect raised %r", exc)

    async def _create_connection(self, timeout_s: float) -> Connection:
        address = hci.Address(self.address, hci.Address.RANDOM_DEVICE_ADDRESS)
        try:
            async with self._central.connect_lock:
                return await self._central.device.connect_le(address, timeout=timeout_s)
        except core.TimeoutError as exc:
            raise BleakConnectTimeoutError(
                f"expected {self.address} to accept a connection within {timeout_s} s; "
                "it did not answer (out of range, not advertising, or connected elsewhere); "
                "scan for a fresh advertisement and retry with backoff"
            ) from exc
        except core.BaseBumbleError as exc:
            raise BleakError(f"connection to {self.address} failed: {exc}") from exc

    async def _set_up(self, connection: Connection) -> None:
        self._connection = connection
        self._disconnected.clear()
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        if connection.handle not in self._central.device.connections:
            self._connection = None  # dropped before we were listening
            raise BleakError(f"{self.address} dropped the connection while it was set up; retry")
        self._peer = Peer(connection)
        await _att_call(self._peer.request_mtu(REQUESTED_ATT_MTU))
        self.services = await _att_call(
            discover_service_collection(self._peer, self._service_filter, lambda: self.mtu_size - 3)
        )

    def _on_disconnection(self, reason: int) -> None:
        log.debug("%s disconnected (reason 0x%02X)", self.address, reason)
        self._connection = None
        self._peer = None
        self.services = None
        self._subscribers.clear()
        self._disconnected.set()
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        """Disconnect; returns once the link is down (no-op when not connected)."""
        connection = self._connection
        if connection is None:
            return
        try:
            await connection.disconnect()
        except core.BaseBumbleError as exc:
            log.debug("disconnect of %s raised %r; waiting for the link", self.address, exc)
        async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
            await self._disconnected.wait()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pairing is not simulated; the virtual wearables need none."""
        log.debug("pair() ignored: the simulated wearables do not require pairing")

    async def unpair(self) -> None:
        """Pairing is not simulated; nothing to remove."""
        log.debug("unpair() ignored: the simulated wearables are never paired")

    # --- I/O --------------------------------------------------------------------------
    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a characteristic value (always from the device; ``use_cached`` ignored)."""
        peer = self._require_peer()
        return bytearray(await _att_call(peer.read_value(characteristic.handle)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a descriptor value."""
        peer = self._require_peer()
        return bytearray(await _att_call(peer.read_value(descriptor.handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """Write a characteristic value, with or without response."""
        peer = self._require_peer()
        await _att_call(peer.write_value(characteristic.handle, bytes(data), response))

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        """Write a descriptor value (with response)."""
        peer = self._require_peer()
        await _att_call(peer.write_value(descriptor.handle, bytes(data), True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Enable notifications, or indications when the characteristic only indicates."""
        peer = self._require_peer()
        if characteristic.handle in self._subscribers:
            raise BleakError(
                f"notifications on {characteristic.uuid} are already started; "
                "call stop_notify() first"
            )

        def subscriber(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = subscriber
        try:
            await _att_call(peer.subscribe(characteristic.obj, subscriber, prefer_notify=True))
        except BaseException:
            self._subscribers.pop(characteristic.handle, None)
            raise

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Disable notifications/indications."""
        peer = self._require_peer()
        subscriber = self._subscribers.pop(characteristic.handle, None)
        await _att_call(peer.unsubscribe(characteristic.obj, subscriber))

    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError(f"Not connected to {self.address}; call connect() first")
        return self._peer


def _resolve_central(address_or_ble_device: BLEDevice | str, radio: object) -> BumbleCentral:
    central = resolve_central(radio)
    if central is not None:
        return central
    details = getattr(address_or_ble_device, "details", None)
    if isinstance(details, BumbleDeviceDetails):
        return details.central
    raise BleakError(
        "BumbleBleakClient needs the simulated radio: pass "
        "`**virtual_radio.client_kwargs()` to BleakClient"
    )


async def _att_call(awaitable: Awaitable[_T]) -> _T:
    """Await a Bumble GATT call, translating its errors to bleak's."""
    try:
        return await awaitable
    except att.ATT_Error as exc:
        raise BleakGATTProtocolError(exc.error_code) from exc
    except core.TimeoutError as exc:
        raise BleakError(f"GATT request timed out: {exc}") from exc
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise  # our caller is being cancelled
        # Bumble cancels the pending request when the link drops (gatt_client.py).
        raise BleakError("the connection was lost during the GATT request") from None
    except core.BaseBumbleError as exc:
        raise BleakError(f"GATT request failed: {exc}") from exc
