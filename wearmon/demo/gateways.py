"""Running the real gateway of each virtual home, including its power cuts."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from gateway.app import run_gateway
from simulators.ble import BumbleBleakClient, BumbleBleakScanner
from simulators.physiology.scenarios import FaultKind
from wearmon.demo.faults import FaultyTransport, Uplink, uplink_for
from wearmon.demo.homes import VirtualHome

log = logging.getLogger(__name__)

# A gateway given this long to stop cleanly is then cancelled (its outbox is durable).
_STOP_TIMEOUT_S = 15.0


class HomeGateway:
    """One home's real gateway over the simulated radio, with faults applied to it."""

    def __init__(self, home: VirtualHome) -> None:
        self.home = home
        self.transport = FaultyTransport(httpx.AsyncHTTPTransport(retries=0))
        self.http = httpx.AsyncClient(transport=self.transport, timeout=30.0)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Power the gateway on."""
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(
            run_gateway(
                self.home.config,
                http_client=self.http,
                stop_event=self._stop,
                scanner_backend=BumbleBleakScanner,
                client_backend=BumbleBleakClient,
                backend_kwargs={"radio": self.home.radio},
            ),
            name=f"gateway-{self.home.enrolled.spec.participant_id}",
        )

    async def power_cut(self) -> None:
        """Cut the power: the gateway stops at once, whatever it was doing."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def stop(self) -> None:
        """Stop cleanly (what is not uploaded stays in the outbox), then release."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, _STOP_TIMEOUT_S)
            except (TimeoutError, Exception):
                log.warning("gateway %s did not stop cleanly", self.home.config.gateway_id)
                await self.power_cut()
        await self.http.aclose()

    async def apply(self, kind: FaultKind, begins: bool) -> None:
        """Start or end one technical fault."""
        uplink = uplink_for(kind)
        if uplink is not None:
            self.transport.uplink = uplink if begins else Uplink.UP
        elif kind is FaultKind.RADIO_OUT_OF_RANGE:
            for address in (self.home.hr.address, self.home.cgm.address):
                self.home.radio.set_in_range(address, not begins)
        elif kind is FaultKind.GATEWAY_POWER_OFF:
            if begins:
                await self.power_cut()
            else:
                self.start()
