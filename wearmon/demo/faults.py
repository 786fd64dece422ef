"""Technical faults of the ``gateway_outage`` scenario, applied to a running home.

Physiology knows when a fault happens (``simulators.physiology.scenarios``); this module
makes it happen to the real parts: the radio loses the wearables, the home network or the
API fails under the gateway's real HTTP client, or the gateway loses power.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence

import httpx

from simulators.physiology.scenarios import FaultKind, FaultWindow

log = logging.getLogger(__name__)


class Uplink(enum.Enum):
    """State of the gateway's path to the API."""

    UP = "up"
    NETWORK_DOWN = "network_down"
    API_DOWN = "api_down"


class FaultyTransport(httpx.AsyncBaseTransport):
    """An httpx transport that fails like a home network or an API outage on demand."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.uplink = Uplink.UP

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.uplink is Uplink.NETWORK_DOWN:
            raise httpx.ConnectError("simulated fault: the home network is down", request=request)
        if self.uplink is Uplink.API_DOWN:
            return httpx.Response(
                503, json={"detail": "simulated fault: API outage"}, request=request
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


FaultAction = Callable[[FaultKind, bool], Awaitable[None]]


async def play_faults(
    faults: Sequence[FaultWindow], apply: FaultAction, sleep: Callable[[float], Awaitable[None]]
) -> None:
    """Start and end each fault at its offset from now (faults may not overlap in kind).

    Faults that ended before the run belong to the back-filled history
    (:func:`history_radio_losses`); one already under way starts at once.
    """
    live = [f for f in faults if f.start_offset_s + f.duration_s > 0]
    events = sorted(
        [(max(0.0, f.start_offset_s), f.kind, True) for f in live]
        + [(f.start_offset_s + f.duration_s, f.kind, False) for f in live],
        key=lambda e: e[0],
    )
    elapsed = 0.0
    for at_s, kind, begins in events:
        await sleep(at_s - elapsed)
        elapsed = at_s
        log.info("fault %s %s", kind.value, "begins" if begins else "ends")
        await apply(kind, begins)


def history_radio_losses(
    faults: Sequence[FaultWindow], run_start_s: float
) -> list[tuple[float, float]]:
    """The radio losses before the run, as ``(start_s, end_s)`` UTC epoch intervals."""
    return [
        (run_start_s + f.start_offset_s, run_start_s + min(0.0, f.start_offset_s + f.duration_s))
        for f in faults
        if f.kind is FaultKind.RADIO_OUT_OF_RANGE and f.start_offset_s < 0
    ]


def uplink_for(kind: FaultKind) -> Uplink | None:
    """The uplink state a fault kind puts the gateway's HTTP client in, if any."""
    return {FaultKind.NETWORK_DOWN: Uplink.NETWORK_DOWN, FaultKind.API_DOWN: Uplink.API_DOWN}.get(
        kind
    )


async def sleep_s(seconds: float) -> None:
    """Real-time sleep (the demo runs at wall-clock speed)."""
    await asyncio.sleep(max(0.0, seconds))
