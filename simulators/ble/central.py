"""The gateway side of the simulated radio: one Bumble device acting as BLE central.

Both bleak backend classes (scanner and client) drive this object, the way bleak's
built-in backends share one host adapter: scans are reference-counted (several
``BleakScanner`` instances may run at once) and connection attempts are serialised,
because a controller creates one connection at a time (Core 5.4 Vol 4 Part E 7.8.12:
a second LE Create Connection while one is pending is "Command Disallowed").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from bumble import hci
from bumble.device import Advertisement, Device
from bumble.host import Host
from bumble.transport import open_transport
from bumble.transport.common import Transport

log = logging.getLogger(__name__)

AdvertisementListener = Callable[[Advertisement], None]
REMOTE_GATEWAY_ADDRESS = "C0:57:EA:00:00:01"  # static random; differs from the local central


class BumbleCentral:
    """A powered-on Bumble :class:`~bumble.device.Device` shared by the bleak backend.

    Parameters
    ----------
    device : bumble.device.Device
        A powered-on device whose controller is attached to the simulated link, in this
        process or behind a transport (see :meth:`open_tcp`).
    transport : bumble.transport.common.Transport, optional
        The HCI transport to close with the central, if it owns one.
    """

    def __init__(self, device: Device, transport: Transport | None = None) -> None:
        self.device = device
        self._transport = transport
        self._listeners: list[AdvertisementListener] = []
        self._scan_lock = asyncio.Lock()
        self.connect_lock = asyncio.Lock()
        device.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)

    @classmethod
    async def open_tcp(
        cls, host: str, port: int, address: str = REMOTE_GATEWAY_ADDRESS
    ) -> BumbleCentral:
        """Connect to a controller served by ``VirtualRadio.serve_central`` (another process).

        Parameters
        ----------
        host, port : str, int
            Where the radio serves its central controller (HCI over TCP).
        address : str
            Static random address this central uses on the link.
        """
        transport = await open_transport(f"tcp-client:{host}:{port}")
        hci_host = Host(transport.source, transport.sink)
        device = Device(name="wearmon-gateway", address=hci.Address(address), host=hci_host)
        try:
            await device.power_on()
        except BaseException:
            await transport.close()
            raise
        return cls(device, transport)

    def scanner_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that make ``BleakScanner`` scan with this central."""
        from simulators.ble.backend_scanner import (
            BumbleBleakScanner,
        )  # import cycle: the backends import this module

        return {"backend": BumbleBleakScanner, "radio": self}

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that make ``BleakClient`` connect with this central."""
        from simulators.ble.backend_client import (
            BumbleBleakClient,
        )  # import cycle: the backends import this module

        return {"backend": BumbleBleakClient, "radio": self}

    async def add_scan_listener(self, listener: AdvertisementListener) -> None:
        """Register ``listener`` for advertisements; starts scanning for the first one."""
        async with self._scan_lock:
            self._listeners.append(listener)
            if len(self._listeners) == 1:
                # Passive scanning: Bumble's link controller echoes the advertising data as
                # the scan response, so active scanning would only duplicate AD structures.
                await self.device.start_scanning(active=False, filter_duplicates=False)

    async def remove_scan_listener(self, listener: AdvertisementListener) -> None:
        """Unregister ``listener``; stops scanning when none is left."""
        async with self._scan_lock:
            if listener not in self._listeners:
                return
            self._listeners.remove(listener)
            if not self._listeners and self.device.is_scanning:
                await self.device.stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        for listener in list(self._listeners):
            listener(advertisement)

    async def close(self) -> None:
        """Stop scanning and disconnect every connection of the central."""
        async with self._scan_lock:
            self._listeners.clear()
            if self.device.is_scanning:
                await self.device.stop_scanning()
        for connection in list(self.device.connections.values()):
            await _quiet_disconnect(connection)
        if self._transport is not None:
            await self._transport.close()


def resolve_central(radio: object) -> BumbleCentral | None:
    """The central behind a backend's ``radio=`` argument.

    Accepts a :class:`BumbleCentral` or any object exposing one as ``.central`` (such as
    ``VirtualRadio``); returns ``None`` for ``None``.
    """
    if radio is None or isinstance(radio, BumbleCentral):
        return radio
    central = getattr(radio, "central", None)
    if isinstance(central, BumbleCentral):
        return central
    raise TypeError(
        f"expected radio= to be a VirtualRadio or a BumbleCentral; found {type(radio).__name__}"
    )


async def _quiet_disconnect(connection: Any) -> None:
    try:
        await connection.disconnect()
    except Exception as exc:  # teardown: the link may already be gone
        log.debug("disconnect during close failed: %r", exc)
