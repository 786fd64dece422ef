"""``wearmon gateway``: one home gateway on real Bluetooth (bleak's platform backend).

On a Raspberry Pi or Linux laptop this is BlueZ, on macOS CoreBluetooth, on Windows WinRT;
the code that runs is the same as in the demo, where only the backend class differs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Any

import httpx

from gateway.app import run_gateway
from gateway.config import GatewayConfig, load_config
from gateway.errors import GatewayError
from wearmon.errors import UsageError

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gateway",
        help="run one home gateway on real Bluetooth, uploading to the API",
        description="Read the wearables listed in the config over Bluetooth LE (BlueZ, "
        "CoreBluetooth or WinRT via bleak) and upload to the API. Runs until SIGTERM or "
        "Ctrl-C; readings not yet uploaded stay in the outbox for the next start.",
    )
    p.add_argument(
        "--config",
        required=True,
        type=Path,
        help="gateway JSON config (gateway_id, token, api_url, outbox_path, devices)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except GatewayError as exc:
        raise UsageError(str(exc)) from exc
    log.info(
        "gateway %s: %d devices, uploading to %s",
        config.gateway_id,
        len(config.devices),
        config.api_url,
    )
    asyncio.run(_serve(config))
    return 0


async def _serve(config: GatewayConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still works
            loop.add_signal_handler(sig, stop.set)
    async with httpx.AsyncClient(timeout=30.0) as http:
        await run_gateway(config, http_client=http, stop_event=stop)
