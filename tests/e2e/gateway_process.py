"""A home gateway in its own process, reaching the virtual radio over loopback TCP.

Run by test_gateway_crash.py (which SIGKILLs it mid-upload)::

    python -m tests.e2e.gateway_process CONFIG_JSON RADIO_PORT CLOCK_START_ISO CLOCK_SPEED

It runs the real ``run_gateway`` with the Bumble backend on a central served by the
test's ``VirtualRadio.serve_central`` until SIGTERM (clean stop) or SIGKILL. The gateway
clock is a :class:`SimClock` running at the heart-rate sensor's speed from the given
start, so receive times advance as the simulated strap's do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
import sys
from pathlib import Path

import httpx

from gateway.app import run_gateway
from gateway.config import load_config
from simulators.ble import BumbleBleakClient, BumbleBleakScanner, BumbleCentral, SimClock

# Long enough that a batch held by a locked table stays in flight until the test kills us.
HTTP_TIMEOUT_S = 60.0


async def main(config_path: Path, port: int, clock: SimClock) -> None:
    config = load_config(config_path)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    central = await BumbleCentral.open_tcp("127.0.0.1", port)
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client:
            await run_gateway(
                config,
                http_client=client,
                stop_event=stop,
                scanner_backend=BumbleBleakScanner,
                client_backend=BumbleBleakClient,
                backend_kwargs={"radio": central},
                clock=clock.now,
            )
    finally:
        await central.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    start = dt.datetime.fromisoformat(sys.argv[3])
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), SimClock(start, float(sys.argv[4]))))
