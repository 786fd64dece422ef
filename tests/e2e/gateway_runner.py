"""The real gateway (``run_gateway``) in the test's event loop, over the virtual radio."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from gateway.app import GatewayRuntime, run_gateway
from gateway.config import DeviceConfig, GatewayConfig
from gateway.outbox import Outbox
from gateway.policy import ConnectionPolicy
from simulators.ble import BumbleBleakClient, BumbleBleakScanner, VirtualRadio
from tests.e2e.harness import CGM_ADDRESS, HR_ADDRESS, Home, wait_until

# Short timeouts and backoff so a drop and reconnect takes well under a second; long
# silence watchdogs and battery interval so no extra session or battery reading appears
# unless a test causes one (exact counts).
FAST_POLICY = ConnectionPolicy(
    scan_timeout_s=1.0,
    attempt_timeout_s=5.0,
    safety_timeout_s=10.0,
    attempts_per_round=3,
    call_timeout_s=5.0,
    racp_timeout_s=10.0,
    backoff_base_s=0.05,
    backoff_cap_s=0.3,
    hr_silence_s=120.0,
    cgm_silence_s=120.0,
)


def outbox_depth(config: GatewayConfig) -> int:
    """Readings not yet acknowledged, read from the gateway's outbox file (blocking)."""
    box = Outbox(config.outbox_path, gateway_id=config.gateway_id, max_rows=config.outbox_max_rows)
    try:
        return box.depth()
    finally:
        box.close()


# --- the gateway -----------------------------------------------------------------------
def gateway_config(
    home: Home,
    api_url: str,
    outbox_path: Path,
    kinds: Sequence[str] = ("hr", "cgm"),
    **overrides: Any,
) -> GatewayConfig:
    """The home's gateway config with test-speed intervals (overridable)."""
    devices = {
        "hr": DeviceConfig(home.hr_device, "hr", HR_ADDRESS),
        "cgm": DeviceConfig(home.cgm_device, "cgm", CGM_ADDRESS),
    }
    config = GatewayConfig(
        gateway_id=home.gateway_id,
        token=home.token,
        api_url=api_url,
        devices=tuple(devices[k] for k in kinds),
        outbox_path=outbox_path,
        batch_size=50,
        outbox_max_rows=100_000,
        upload_interval_s=0.05,
        heartbeat_interval_s=0.5,
        battery_interval_s=3600.0,
        halt_retry_s=None,
        policy=FAST_POLICY,
    )
    return replace(config, **overrides)


@dataclass
class HttpLog:
    """Requests the gateway's HTTP client sent, and the answers it got."""

    requests: list[httpx.Request] = field(default_factory=list)
    responses: list[httpx.Response] = field(default_factory=list)

    async def on_request(self, request: httpx.Request) -> None:
        self.requests.append(request)

    async def on_response(self, response: httpx.Response) -> None:
        await response.aread()
        self.responses.append(response)

    def bodies(self, path_suffix: str) -> list[bytes]:
        """Bodies of the requests to paths ending in ``path_suffix``, in order."""
        return [r.content for r in self.requests if r.url.path.endswith(path_suffix)]

    def answers(self, path_suffix: str) -> list[httpx.Response]:
        """Responses to requests to paths ending in ``path_suffix``, in order."""
        return [r for r in self.responses if r.request.url.path.endswith(path_suffix)]


@dataclass
class RunningGateway:
    """A gateway running in this event loop, with its live objects and HTTP log."""

    runtime: GatewayRuntime
    http: HttpLog
    stop: asyncio.Event
    task: asyncio.Task[None]

    def counters(self, device_id: str) -> Any:
        """The per-device counters of ``device_id`` (gateway.session.DeviceCounters)."""
        for sup in self.runtime.supervisors:
            if sup.ctx.device.device_id == device_id:
                return sup.ctx.counters
        raise LookupError(f"the gateway has no device {device_id}")


@contextlib.asynccontextmanager
async def running_gateway(
    config: GatewayConfig,
    radio: VirtualRadio,
    clock: Callable[[], dt.datetime],
) -> AsyncIterator[RunningGateway]:
    """Run ``run_gateway`` over the virtual radio until the block exits."""
    stop = asyncio.Event()
    started: list[GatewayRuntime] = []
    log = HttpLog()
    hooks: dict[str, list[Callable[[Any], Awaitable[None]]]] = {
        "request": [log.on_request],
        "response": [log.on_response],
    }
    async with httpx.AsyncClient(timeout=10.0, event_hooks=hooks) as client:
        task = asyncio.create_task(
            run_gateway(
                config,
                http_client=client,
                stop_event=stop,
                scanner_backend=BumbleBleakScanner,
                client_backend=BumbleBleakClient,
                backend_kwargs={"radio": radio},
                clock=clock,
                on_started=started.append,
            ),
            name="gateway",
        )
        try:
            await wait_until(_ready(started, task), "the gateway to start", 10.0)
            if task.done():
                task.result()  # raise why it stopped
            yield RunningGateway(started[0], log, stop, task)
        finally:
            stop.set()
            async with asyncio.timeout(15.0):
                await task


def _ready(
    started: list[GatewayRuntime], task: asyncio.Task[None]
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool(started) or task.done()

    return check
