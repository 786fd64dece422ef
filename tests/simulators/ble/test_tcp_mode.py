"""The gateway's central in another process, reaching the radio over loopback TCP."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from bleak import BleakClient, BleakScanner

from simulators.ble.backend_client import BumbleBleakClient
from simulators.ble.backend_scanner import BumbleBleakScanner
from simulators.ble.central import BumbleCentral
from simulators.ble.clock import SimClock
from simulators.ble.radio import VirtualRadio

from .conftest import heart_rate_sensor

pytestmark = [pytest.mark.ble, pytest.mark.timeout(30)]

REPO_ROOT = Path(__file__).resolve().parents[3]


async def test_central_over_tcp_reads_a_wearable(radio: VirtualRadio, clock: SimClock) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr, rssi_dbm=-66)
    central = await BumbleCentral.open_tcp("127.0.0.1", await radio.serve_central())
    try:
        # bleak passes backend keyword arguments (radio=) through to the backend.
        devices = await BleakScanner.discover(  # type: ignore[call-overload]
            0.5, return_adv=True, backend=BumbleBleakScanner, radio=central
        )
        async with BleakClient(hr.address, backend=BumbleBleakClient, radio=central) as client:
            battery = await client.read_gatt_char("2a19")
    finally:
        await central.close()
    assert (devices[hr.address][1].rssi, battery) == (-66, bytearray([100]))


async def test_gateway_process_scans_connects_and_receives_notifications(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [(1000.0, 61, True)] * 3)
    await radio.add(hr)
    port = await radio.serve_central()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("remote_gateway.py")),
        str(port),
        hr.address,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=25)
    assert process.returncode == 0, stderr.decode()
    result = json.loads(stdout)
    assert (result["name"], result["model"]) == ("HRM-0001", "HR-100")
    assert result["hrm"] == ["163d0004"] * 3
