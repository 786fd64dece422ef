"""Heartbeat: tells the API the gateway is alive, how its devices and outbox are doing.

``POST /api/v1/ingest/heartbeat`` with ``{"gateway_id", "sent_at", "devices": [...],
"outbox_depth", "outbox_dropped", "last_upload_at"}``. A failed heartbeat is logged and
tried again at the next interval; it never stops the gateway.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from gateway.config import DeviceConfig
from gateway.http_contract import HEARTBEAT_PATH, auth_headers, endpoint
from gateway.outbox import Outbox, utc_now
from gateway.policy import Sleep
from gateway.reading import format_instant

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DeviceStatus:
    """Live state of one wearable, updated by its BLE session (single event loop)."""

    device_id: str
    address: str
    last_seen_at: dt.datetime | None = None
    battery_percent: int | None = None
    rssi_dbm: int | None = None
    connected: bool = False

    def to_json(self) -> dict[str, object]:
        """The contract's device object."""
        return {
            "device_id": self.device_id,
            "address": self.address,
            "last_seen_at": None
            if self.last_seen_at is None
            else format_instant(self.last_seen_at),
            "battery_percent": self.battery_percent,
            "rssi_dbm": self.rssi_dbm,
            "connected": self.connected,
        }


def statuses_for(devices: tuple[DeviceConfig, ...]) -> dict[str, DeviceStatus]:
    """A fresh status entry per configured device, keyed by device id."""
    return {d.device_id: DeviceStatus(d.device_id, d.address) for d in devices}


def heartbeat_body(
    gateway_id: str, now: dt.datetime, devices: list[dict[str, object]], outbox: Outbox
) -> dict[str, object]:
    """Build the heartbeat JSON (reads the outbox counters: call it in a thread)."""
    last = outbox.last_upload_at()
    return {
        "gateway_id": gateway_id,
        "sent_at": format_instant(now),
        "devices": devices,
        "outbox_depth": outbox.depth(),
        "outbox_dropped": outbox.dropped_total(),
        "last_upload_at": None if last is None else format_instant(last),
    }


async def send_heartbeat(
    client: httpx.AsyncClient, api_url: str, token: str, body: dict[str, object]
) -> bool:
    """Post one heartbeat; return whether the API answered 200 (failures are logged)."""
    try:
        response = await client.post(
            endpoint(api_url, HEARTBEAT_PATH), json=body, headers=auth_headers(token)
        )
    except httpx.HTTPError as exc:
        log.warning("heartbeat not delivered: %s: %s", type(exc).__name__, exc)
        return False
    if response.status_code != httpx.codes.OK:
        log.warning("heartbeat refused: HTTP %d %s", response.status_code, response.text[:200])
        return False
    return True


async def run_heartbeat(
    client: httpx.AsyncClient,
    *,
    api_url: str,
    token: str,
    gateway_id: str,
    statuses: dict[str, DeviceStatus],
    outbox: Outbox,
    interval_s: float,
    stop: asyncio.Event,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], dt.datetime] = utc_now,
) -> None:
    """Send a heartbeat every ``interval_s`` until ``stop`` is set."""
    while not stop.is_set():
        devices = [s.to_json() for s in statuses.values()]  # snapshot on the loop thread
        body = await asyncio.to_thread(heartbeat_body, gateway_id, clock(), devices, outbox)
        await send_heartbeat(client, api_url, token, body)
        await sleep(interval_s)
