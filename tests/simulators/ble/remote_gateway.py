"""Run as a separate process by test_tcp_mode.py: a gateway that reaches the virtual
radio only through its TCP-served controller, using bleak's public API.

Usage: python remote_gateway.py <port> <address>; prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys

from bleak import BleakClient, BleakScanner

from simulators.ble.central import BumbleCentral


async def main(port: int, address: str) -> None:
    central = await BumbleCentral.open_tcp("127.0.0.1", port)
    try:
        found = await BleakScanner.find_device_by_address(address, 5, **central.scanner_kwargs())
        assert found is not None, "wearable not found over TCP"
        notifications: list[str] = []
        three = asyncio.Event()

        def on_hrm(_c: object, data: bytearray) -> None:
            notifications.append(data.hex())
            if len(notifications) == 3:
                three.set()

        async with BleakClient(found, **central.client_kwargs()) as client:
            model = bytes(await client.read_gatt_char("2a24")).decode()
            await client.start_notify("2a37", on_hrm)
            await asyncio.wait_for(three.wait(), timeout=10)
        sys.stdout.write(json.dumps({"name": found.name, "model": model, "hrm": notifications}))
    finally:
        await central.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
