"""``run_gateway``: the async entry point that wires outbox, uploader, heartbeat and BLE.

The composition root (``wearmon gateway``) builds the ``httpx.AsyncClient`` and picks the
bleak backend; this function only wires and supervises. Every long-running loop is
restarted if it ever dies of an unexpected error: nobody will restart a gateway in an
elderly participant's home.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner

from gateway.central import BleakRadio, DeviceSupervisor
from gateway.checkin_queue import CheckinQueue
from gateway.checkin_uploader import CheckinUploader
from gateway.config import GatewayConfig
from gateway.heartbeat import DeviceStatus, run_heartbeat, statuses_for
from gateway.home.app import open_home_page
from gateway.home.server import HomePage
from gateway.outbox import Clock, Outbox, utc_now
from gateway.policy import Adapter
from gateway.session import DeviceCounters, SessionContext
from gateway.uploader import Uploader, UploaderSettings

log = logging.getLogger(__name__)

# Pause before restarting a loop that crashed on a bug: long enough not to spin, short
# enough that data keeps flowing.
RESTART_DELAY_S = 30.0


@dataclass(frozen=True, slots=True)
class GatewayRuntime:
    """Live objects of a running gateway (for the composition root and tests)."""

    outbox: Outbox
    uploader: Uploader
    statuses: dict[str, DeviceStatus]
    supervisors: tuple[DeviceSupervisor, ...]
    checkins: CheckinQueue
    checkin_uploader: CheckinUploader
    home: HomePage | None = None


async def run_gateway(
    config: GatewayConfig,
    *,
    http_client: httpx.AsyncClient,
    stop_event: asyncio.Event,
    scanner_backend: type[BaseBleakScanner] | None = None,
    client_backend: type[BaseBleakClient] | None = None,
    backend_kwargs: Mapping[str, Any] | None = None,
    clock: Clock = utc_now,
    on_started: Callable[[GatewayRuntime], None] | None = None,
) -> None:
    """Run one home gateway until ``stop_event`` is set.

    Parameters
    ----------
    config : GatewayConfig
    http_client : httpx.AsyncClient
        Used for batches and heartbeats (owned by the caller).
    stop_event : asyncio.Event
        Set it to stop; readings not yet uploaded stay in the outbox.
    scanner_backend, client_backend : type, optional
        bleak backend classes; None selects bleak's platform default.
    backend_kwargs : mapping, optional
        Extra keyword arguments for ``BleakScanner`` and ``BleakClient``.
    clock : callable, optional
        Current aware datetime.
    on_started : callable, optional
        Receives the :class:`GatewayRuntime` once everything is wired.
    """
    outbox = await asyncio.to_thread(
        Outbox,
        config.outbox_path,
        gateway_id=config.gateway_id,
        max_rows=config.outbox_max_rows,
        clock=clock,
    )
    try:
        runtime = _wire(
            config, outbox, http_client, clock, scanner_backend, client_backend, backend_kwargs
        )
        home_stack = contextlib.ExitStack()
        if config.home is not None:
            runtime = dataclasses.replace(
                runtime,
                home=home_stack.enter_context(
                    open_home_page(config, runtime.checkins, runtime.checkin_uploader.wake, clock)
                ),
            )
        if on_started is not None:
            on_started(runtime)
        loops: dict[str, Callable[[], Awaitable[None]]] = {
            "uploader": lambda: runtime.uploader.run(stop_event),
            "checkin-uploader": lambda: runtime.checkin_uploader.run(stop_event),
            "heartbeat": lambda: run_heartbeat(
                http_client,
                api_url=config.api_url,
                token=config.token,
                gateway_id=config.gateway_id,
                statuses=runtime.statuses,
                outbox=outbox,
                interval_s=config.heartbeat_interval_s,
                stop=stop_event,
                clock=clock,
            ),
        }
        for sup in runtime.supervisors:
            loops[f"ble:{sup.ctx.device.device_id}"] = _bind(sup, stop_event)
        with home_stack:
            if runtime.home is not None:
                page = runtime.home
                loops["home-page"] = lambda: page.serve(stop_event)
            await _supervise(loops, stop_event)
    finally:
        await asyncio.to_thread(outbox.close)


def _bind(sup: DeviceSupervisor, stop: asyncio.Event) -> Callable[[], Awaitable[None]]:
    return lambda: sup.run(stop)


def _wire(
    config: GatewayConfig,
    outbox: Outbox,
    http_client: httpx.AsyncClient,
    clock: Clock,
    scanner_backend: type[BaseBleakScanner] | None,
    client_backend: type[BaseBleakClient] | None,
    backend_kwargs: Mapping[str, Any] | None,
) -> GatewayRuntime:
    settings = UploaderSettings(
        api_url=config.api_url,
        token=config.token,
        batch_size=config.batch_size,
        backoff_base_s=config.policy.backoff_base_s,
        backoff_cap_s=config.policy.backoff_cap_s,
        idle_s=config.upload_interval_s,
        halt_retry_s=config.halt_retry_s,
    )
    uploader = Uploader(outbox, http_client, settings, clock=clock)
    statuses = statuses_for(config.devices)
    adapter = Adapter(config.policy.max_connections)
    radio = BleakRadio(
        scanner_backend=scanner_backend,
        client_backend=client_backend,
        backend_kwargs=backend_kwargs,
    )
    supervisors = tuple(
        DeviceSupervisor(
            SessionContext(
                device=d,
                outbox=outbox,
                status=statuses[d.device_id],
                policy=config.policy,
                battery_interval_s=config.battery_interval_s,
                clock=clock,
                counters=DeviceCounters(),
            ),
            adapter,
            radio.find,
            radio.client,
        )
        for d in config.devices
    )
    checkins = CheckinQueue(outbox, clock)
    checkin_uploader = CheckinUploader(checkins, http_client, settings, clock=clock)
    return GatewayRuntime(outbox, uploader, statuses, supervisors, checkins, checkin_uploader)


async def _supervise(
    loops: Mapping[str, Callable[[], Awaitable[None]]], stop: asyncio.Event
) -> None:
    tasks = [
        asyncio.create_task(_forever(name, start, stop), name=name) for name, start in loops.items()
    ]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _forever(name: str, start: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await start()
        except Exception:
            log.exception("gateway loop %s crashed; restarting in %g s", name, RESTART_DELAY_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RESTART_DELAY_S)
            continue
        if not stop.is_set():
            # A loop that returns on its own (uploader halted for good) stays stopped.
            log.warning("gateway loop %s ended", name)
            await stop.wait()
