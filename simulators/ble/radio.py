"""The simulated radio: Bumble controllers on one link, with range and RSSI.

Each virtual wearable gets its own Bumble controller and host (a real GATT server);
the gateway side gets one more controller driven by :class:`BumbleCentral`, either in
this process or, through :meth:`VirtualRadio.serve_central`, from another process over
loopback TCP (HCI over H4, as Bumble's virtual controller apps expose it). The link is
Bumble's ``LocalLink`` extended with a propagation model: a device taken out of range
neither advertises to nor exchanges packets with the others, and its open connections
end with a supervision timeout, as over the air.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from bumble import hci
from bumble.device import Device
from bumble.host import Host
from bumble.transport.common import AsyncPipeSink, Transport
from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

from simulators.ble.backend_client import BumbleBleakClient
from simulators.ble.backend_scanner import BumbleBleakScanner
from simulators.ble.central import BumbleCentral
from simulators.ble.clock import SimClock
from simulators.ble.errors import RadioError
from simulators.ble.link import RangeLink, SimController
from simulators.ble.peripherals.common import VirtualWearable

log = logging.getLogger(__name__)

GATEWAY_ADDRESS = "C0:57:EA:00:00:00"  # static random (two top bits set), Core Vol 6 B 1.3.2.1
GATEWAY_NAME = "wearmon-gateway"
DEFAULT_RSSI_DBM = -60  # a wearable a few metres from the home hub (typical indoor BLE)


def static_random_address(index: int) -> str:
    """A deterministic static random address for the ``index``-th virtual wearable (1..65535)."""
    if not 1 <= index <= 0xFFFF:
        raise RadioError(f"expected a wearable index of 1-65535; found {index!r}")
    return f"C0:57:EA:01:{index >> 8:02X}:{index & 0xFF:02X}"


async def _close_server(transport: Transport) -> None:
    """Close a Bumble TCP server transport: its client connection and listening socket.

    ``Transport.close`` closes neither (bumble/transport/tcp_server.py keeps them on
    ``sink.transport`` and ``server``).
    """
    connection = getattr(transport.sink, "transport", None)
    if connection is not None:
        connection.close()
    server = getattr(transport, "server", None)
    if server is not None:
        server.close()
        await server.wait_closed()
    await transport.close()


class VirtualRadio:
    """Wearables and a gateway central on a simulated Bluetooth LE link.

    Use ``async with VirtualRadio() as radio:``, add wearables with :meth:`add`, then
    hand ``radio.scanner_kwargs()`` / ``radio.client_kwargs()`` to ``BleakScanner`` and
    ``BleakClient``.
    """

    def __init__(self, central_address: str = GATEWAY_ADDRESS) -> None:
        self._central_address = central_address
        self._link: RangeLink | None = None
        self._central: BumbleCentral | None = None
        self._wearables: dict[str, VirtualWearable] = {}
        self._controllers: dict[str, SimController] = {}
        self._rssi_dbm: dict[str, int] = {}
        self._servers: list[Transport] = []

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> None:
        """Create the link and power on the in-process gateway central."""
        if self._central is not None:
            return
        self._link = RangeLink()
        controller = self._new_controller(GATEWAY_NAME)
        host = Host(controller, AsyncPipeSink(controller))
        device = Device(name=GATEWAY_NAME, address=hci.Address(self._central_address), host=host)
        await device.power_on()
        self._central = BumbleCentral(device)

    async def __aenter__(self) -> VirtualRadio:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop every wearable, disconnect everything and re-raise a wearable's failure."""
        errors = [error for w in self._wearables.values() if (error := await w.stop())]
        for wearable in self._wearables.values():
            await wearable.device.stop_advertising()
        if self._central is not None:
            await self._central.close()
        for server in self._servers:
            await _close_server(server)
        self._wearables.clear()
        self._servers.clear()
        if errors:
            raise errors[0]

    # --- the gateway side -------------------------------------------------------------
    @property
    def central(self) -> BumbleCentral:
        """The in-process gateway central (what the bleak backend drives)."""
        if self._central is None:
            raise RadioError("the virtual radio is not started; call `await radio.start()` first")
        return self._central

    def scanner_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that make ``BleakScanner`` scan this radio."""
        return {"backend": BumbleBleakScanner, "radio": self}

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that make ``BleakClient`` connect over this radio."""
        return {"backend": BumbleBleakClient, "radio": self}

    async def serve_central(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Expose one more gateway controller over TCP for a central in another process.

        The other process calls ``await BumbleCentral.open_tcp(host, port)`` and passes
        the result as ``radio=`` to the bleak backend. One client per served port.

        Returns
        -------
        int
            The TCP port (chosen by the OS when ``port`` is 0).
        """
        self._require_link()
        # proto=IPPROTO_TCP so that asyncio sets TCP_NODELAY on the accepted socket
        # (base_events._set_nodelay checks it); without it Nagle plus delayed ACKs cost
        # ~40 ms per ATT round trip.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        transport = await open_tcp_server_transport_with_socket(sock)
        self._new_controller("gateway-remote", transport.source, transport.sink)
        self._servers.append(transport)
        bound_port: int = sock.getsockname()[1]
        log.info("virtual radio serves a central controller on %s:%d", host, bound_port)
        return bound_port

    # --- wearables --------------------------------------------------------------------
    @property
    def wearables(self) -> dict[str, VirtualWearable]:
        """Wearables on the radio, by address."""
        return dict(self._wearables)

    async def add(self, wearable: VirtualWearable, rssi_dbm: int = DEFAULT_RSSI_DBM) -> None:
        """Power on ``wearable`` on its own controller, start advertising and measuring."""
        self._require_link()
        if wearable.address in self._wearables:
            raise RadioError(f"expected a unique address; {wearable.address} is already on air")
        controller = self._new_controller(wearable.name)
        host = Host(controller, AsyncPipeSink(controller))
        device = Device(name=wearable.name, address=hci.Address(wearable.address), host=host)
        wearable.attach(device)
        await device.power_on()
        await wearable.start_advertising()
        self._wearables[wearable.address] = wearable
        self._controllers[wearable.address] = controller
        self._rssi_dbm[wearable.address] = rssi_dbm
        wearable.start()

    # --- propagation ------------------------------------------------------------------
    def set_rssi(self, address: str, rssi_dbm: int) -> None:
        """Set the RSSI the gateway will see in ``address``'s advertisements."""
        self._controller(address)
        self._rssi_dbm[address.upper()] = rssi_dbm

    def set_in_range(self, address: str, in_range: bool) -> None:
        """Move a wearable into or out of radio range of everything else on the link.

        Going out of range drops its connections with reason Connection Timeout (0x08),
        as a supervision timeout does; the wearable keeps measuring (a CGM keeps storing).
        """
        controller = self._controller(address)
        link = self._require_link()
        if in_range:
            link.out_of_range.discard(controller)
            return
        link.out_of_range.add(controller)
        link.drop_connections(controller)

    def is_in_range(self, address: str) -> bool:
        """Whether ``address`` is currently reachable."""
        return self._controller(address) not in self._require_link().out_of_range

    async def out_of_range_for(self, address: str, duration_s: float, clock: SimClock) -> None:
        """Take ``address`` out of range for ``duration_s`` simulated seconds, then back."""
        self.set_in_range(address, False)
        try:
            await clock.sleep(duration_s)
        finally:
            self.set_in_range(address, True)

    # --- internals --------------------------------------------------------------------
    def _new_controller(
        self, name: str, host_source: Any = None, host_sink: Any = None
    ) -> SimController:
        return SimController(
            name,
            host_source=host_source,
            host_sink=host_sink,
            link=self._require_link(),
            rssi_dbm=self._rssi_dbm.get,
        )

    def _require_link(self) -> RangeLink:
        if self._link is None:
            raise RadioError("the virtual radio is not started; call `await radio.start()` first")
        return self._link

    def _controller(self, address: str) -> SimController:
        try:
            return self._controllers[address.upper()]
        except KeyError:
            raise RadioError(
                f"expected the address of a wearable on this radio; found {address!r}; "
                f"known: {sorted(self._controllers)}"
            ) from None
