"""Heartbeat loop: periodic, never fatal, reports outbox counters and device state."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from gateway.heartbeat import DeviceStatus, run_heartbeat
from gateway.outbox import Outbox
from tests.gateway.conftest import T0, FixedClock, heart_rates

pytestmark = pytest.mark.timeout(10)


async def test_heartbeat_survives_network_and_server_errors(box: Outbox) -> None:
    box.put(heart_rates(4))
    stop = asyncio.Event()
    calls: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("down", request=request)
        if len(calls) == 2:
            return httpx.Response(503)
        stop.set()
        return httpx.Response(200, json={"ok": True})

    async def no_wait(_delay_s: float) -> None:
        return None

    statuses = {"d": DeviceStatus("d", "AA:00:00:00:00:01", T0, 80, -70, True)}
    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as client:
        await run_heartbeat(
            client,
            api_url="https://api.test",
            token="tok",
            gateway_id="gw",
            statuses=statuses,
            outbox=box,
            interval_s=60.0,
            stop=stop,
            sleep=no_wait,
            clock=FixedClock(),
        )
    assert len(calls) == 3
    last = json.loads(calls[-1].content)
    assert (last["outbox_depth"], last["devices"]) == (4, [statuses["d"].to_json()])
