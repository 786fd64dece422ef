"""The API as a child process (``wearmon serve``), so it has a core of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx

from wearmon.errors import UsageError

_START_TIMEOUT_S = 60.0


@contextlib.asynccontextmanager
async def api_server(
    database_url: str, host: str, port: int, env: Mapping[str, str], log_path: Path
) -> AsyncIterator[str]:
    """Run ``wearmon serve`` on ``host:port``, logging to ``log_path``; yield its base URL."""
    cmd = [
        sys.executable,
        "-m",
        "wearmon",
        "serve",
        "--database-url",
        database_url,
        "--host",
        host,
        "--port",
        str(port),
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    proc = await asyncio.create_subprocess_exec(
        *cmd, env={**os.environ, **env}, stdout=log_file, stderr=log_file
    )
    base = f"http://{host}:{port}"
    try:
        await _wait_healthy(proc, base, port)
        yield base
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
        log_file.close()


async def _wait_healthy(proc: asyncio.subprocess.Process, base: str, port: int) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise UsageError(
                    f"the API server exited (code {proc.returncode}); is port "
                    f"{port} already in use? Pass --port with a free port"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/api/v1/health")).status_code == 200:
                    return
            await asyncio.sleep(0.3)
    raise UsageError(f"the API server did not become healthy within {_START_TIMEOUT_S:.0f} s")
