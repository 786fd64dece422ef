"""run_gateway wiring, and scanning through bleak's public API with an injected backend."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner

from gateway.app import GatewayRuntime, run_gateway
from gateway.central import BleakRadio
from gateway.config import DeviceConfig, GatewayConfig
from gateway.notify import NotificationQueue
from gateway.outbox import Outbox, utc_now
from gateway.policy import ConnectionPolicy
from tests.gateway.conftest import heart_rates

pytestmark = pytest.mark.timeout(10)


class ScriptedScanner(BaseBleakScanner):
    """A bleak scanner backend that 'hears' the advertisements passed as ``adverts``."""

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: Any,
        scanning_mode: Any = "active",
        *,
        adverts: tuple[tuple[str, int], ...] = (),
        on_start: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._adverts = adverts
        self._on_start = on_start

    async def start(self) -> None:
        if self._on_start is not None:
            self._on_start()
        self.seen_devices = {}
        loop = asyncio.get_running_loop()
        for address, rssi in self._adverts:
            adv = AdvertisementData(None, {}, {}, [], None, rssi, ())
            device = self.create_or_update_device(address, address, None, None, adv)
            loop.call_soon(self.call_detection_callbacks, device, adv)

    async def stop(self) -> None:
        return None


async def test_radio_finds_the_advertising_device_with_its_rssi() -> None:
    adverts = (("11:22:33:44:55:00", -80), ("11:22:33:44:55:66", -58))
    radio = BleakRadio(scanner_backend=ScriptedScanner, backend_kwargs={"adverts": adverts})
    sighting = await radio.find("11:22:33:44:55:66", 1.0)
    assert sighting is not None
    assert (sighting.device.address, sighting.rssi_dbm) == ("11:22:33:44:55:66", -58)


async def test_radio_returns_none_when_the_device_is_not_heard() -> None:
    radio = BleakRadio(scanner_backend=ScriptedScanner, backend_kwargs={"adverts": ()})
    assert await radio.find("11:22:33:44:55:66", 0.05) is None


class RecordingClient(BaseBleakClient):
    """A bleak client backend that connects at once and remembers its arguments."""

    made: ClassVar[list[RecordingClient]] = []

    def __init__(self, address_or_ble_device: Any, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.pop("disconnected_callback"),
            timeout=kwargs.pop("timeout"),
        )
        self.kwargs = kwargs
        self._connected = False
        RecordingClient.made.append(self)

    @property
    def mtu_size(self) -> int:
        return 23

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        self._connected = True

    async def disconnect(self) -> None:
        self._connected = False
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    async def unpair(self) -> None:
        raise NotImplementedError

    async def read_gatt_char(self, *args: Any, **kwargs: Any) -> bytearray:
        raise NotImplementedError

    async def read_gatt_descriptor(self, *args: Any, **kwargs: Any) -> bytearray:
        raise NotImplementedError

    async def write_gatt_char(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    async def write_gatt_descriptor(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    async def start_notify(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    async def stop_notify(self, *args: Any) -> None:
        raise NotImplementedError


async def test_radio_client_uses_the_backend_and_ends_the_queue_on_disconnect() -> None:
    radio = BleakRadio(client_backend=RecordingClient, backend_kwargs={"adverts": ()})
    queue = NotificationQueue(utc_now)
    client = radio.client(BLEDevice("11:22:33:44:55:66", None, None), queue.end, rediscover=True)
    await client.connect()
    await client.disconnect()
    assert await queue.next(1.0) is None
    backend = RecordingClient.made[-1]
    assert backend.kwargs["adverts"] == ()
    assert backend.kwargs["winrt"] == {"use_cached_services": False}


def config(tmp_path: Path, devices: tuple[DeviceConfig, ...] = ()) -> GatewayConfig:
    return GatewayConfig(
        gateway_id="gw-app",
        token="tok",
        api_url="https://api.test",
        devices=devices,
        outbox_path=tmp_path / "outbox.sqlite3",
        upload_interval_s=0.01,
        heartbeat_interval_s=0.01,
    )


async def test_run_gateway_uploads_what_the_outbox_holds_and_heartbeats(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    box = Outbox(cfg.outbox_path, gateway_id=cfg.gateway_id, max_rows=10_000)
    box.put(heart_rates(3))
    box.close()
    stop = asyncio.Event()
    paths: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/batch"):
            n = len(json.loads(request.content)["readings"])
            return httpx.Response(200, json={"accepted": n, "duplicates": 0, "rejected": []})
        if paths.count(request.url.path) >= 2:
            stop.set()
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as client:
        await run_gateway(cfg, http_client=client, stop_event=stop)
    assert "/api/v1/ingest/batch" in paths
    reopened = Outbox(cfg.outbox_path, gateway_id=cfg.gateway_id, max_rows=10_000)
    try:
        assert reopened.depth() == 0
    finally:
        reopened.close()


async def test_run_gateway_keeps_scanning_for_absent_devices_until_stopped(tmp_path: Path) -> None:
    cfg = config(tmp_path, (DeviceConfig("d-1", "hr", "11:22:33:44:55:66"),))
    # Scans that give up at once and retry at once: the test counts rounds, not seconds.
    cfg = dataclasses.replace(
        cfg,
        policy=ConnectionPolicy(scan_timeout_s=0.01, backoff_base_s=0.001, backoff_cap_s=0.002),
    )
    stop = asyncio.Event()
    runtimes: list[GatewayRuntime] = []
    scans = 0

    def scan_started() -> None:
        nonlocal scans
        scans += 1
        if scans == 3:  # a third scan: the gateway did not give up after finding nothing
            stop.set()

    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as client:
        async with asyncio.timeout(30):
            await run_gateway(
                cfg,
                http_client=client,
                stop_event=stop,
                scanner_backend=ScriptedScanner,
                backend_kwargs={"adverts": (), "on_start": scan_started},
                on_started=runtimes.append,
            )
    (runtime,) = runtimes
    assert scans >= 3
    assert runtime.statuses["d-1"].connected is False
