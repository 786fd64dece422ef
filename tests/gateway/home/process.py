"""``wearmon gateway`` with a home page and no wearables, in its own process (as at home)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.ingest.conftest import Home
from wearmon.api_process import free_port

START_TIMEOUT_S = 60.0


@dataclass
class HomeGateway:
    """A running gateway process and where its page answers."""

    proc: subprocess.Popen[bytes]
    page_url: str
    config_path: Path
    log: Path


def write_config(home: Home, api_url: str, folder: Path, name: str) -> Path:
    """The gateway's JSON config: no wearables, the page on a free loopback port."""
    config: dict[str, Any] = {
        "gateway_id": str(home.gateway_id),
        "token": home.token,
        "api_url": api_url,
        "outbox_path": str(folder / "outbox.sqlite3"),
        "devices": [],
        "upload_interval_s": 0.2,
        "home": {
            "participants": [{"participant_id": str(home.participant_id), "name": name}],
            "host": "127.0.0.1",
            "port": free_port(),
        },
    }
    path = folder / "gateway.json"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return path


@contextlib.contextmanager
def home_gateway(config_path: Path) -> Iterator[HomeGateway]:
    """Start ``wearmon gateway --config``; wait until its page answers; stop it after
    (SIGTERM, unless the test already killed it)."""
    port = json.loads(config_path.read_text(encoding="utf-8"))["home"]["port"]
    log = config_path.with_suffix(".log")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wearmon", "gateway", "--config", str(config_path)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_page(proc, url, log)
        yield HomeGateway(proc, url, config_path, log)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=30)


def _wait_for_page(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"wearmon gateway exited: {log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/home", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"home page not up: {log.read_text()[-3000:]}")
