"""``wearmon demo`` as a user starts it, for the dashboard's walkthrough test.

The demo runs as a child process exactly as the README's first command, on its own
embedded PostgreSQL in a temporary data directory and a free port; the test reads the
dashboard URL, the database and the audit command from what the demo prints.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from wearmon.api_process import free_port

PASSWORD = "demo-nurse-Password-7"
USERNAME = "demo.nurse"
# Starting the embedded server, migrating and enrolling takes 10-30 s on a loaded 2-core
# machine; the first alerts follow within about two minutes (the demo's own checks).
_BANNER_TIMEOUT_S = 120.0
_ALERT_TIMEOUT_S = 300.0
_STOP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Demo:
    dashboard_url: str
    api_url: str
    database: str
    manifest: dict[str, Any]
    log: Path

    def participant(self, scenario: str) -> dict[str, Any]:
        return next(p for p in self.manifest["participants"] if p["scenario"] == scenario)

    def audit(self, participant_id: str) -> list[dict[str, Any]]:
        """``wearmon audit list --participant P --json`` with the DATABASE_URL the demo
        printed, as its banner tells the user to run the commands."""
        args = ["audit", "list", "--participant", participant_id, "--json"]
        done = subprocess.run(
            [sys.executable, "-m", "wearmon", *args],
            env={**os.environ, "DATABASE_URL": self.database},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"wearmon audit list failed: {done.stderr}")
        return list(json.loads(done.stdout)["items"])

    def wait_for_alerts(self, wanted: dict[str, str]) -> None:
        """Until each participant id in ``wanted`` has an unresolved alert of its rule."""
        with httpx.Client(base_url=self.api_url, timeout=30) as client:
            answer = client.post(
                "/api/v1/auth/token", json={"username": USERNAME, "password": PASSWORD}
            )
            answer.raise_for_status()
            headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            deadline = time.monotonic() + _ALERT_TIMEOUT_S
            missing = dict(wanted)
            while missing and time.monotonic() < deadline:
                for pid, rule in list(missing.items()):
                    response = client.get(
                        "/api/v1/alerts", headers=headers, params={"participant_id": pid}
                    )
                    if response.status_code == 200 and any(
                        a["rule_id"] == rule for a in response.json()["items"]
                    ):
                        del missing[pid]
                time.sleep(2.0)
            client.post("/api/v1/auth/logout", headers=headers)
        if missing:
            raise AssertionError(
                f"no {missing} alerts within {_ALERT_TIMEOUT_S:.0f} s; "
                f"demo output: {self.log.read_text()[-3000:]}"
            )


def _banner(proc: subprocess.Popen[bytes], log: Path) -> dict[str, str]:
    deadline = time.monotonic() + _BANNER_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        found = dict(re.findall(r"^(dashboard|commands|manifest):\s+(\S.*)$", text, re.M))
        if {"dashboard", "commands", "manifest"} <= set(found):
            return found
        if proc.poll() is not None:
            raise AssertionError(f"wearmon demo exited ({proc.returncode}): {text[-3000:]}")
        time.sleep(0.5)
    raise AssertionError(f"wearmon demo printed no dashboard URL: {log.read_text()[-3000:]}")


@contextlib.contextmanager
def run_demo(tmp: Path, participants: int, minutes: int) -> Iterator[Demo]:
    """``wearmon demo --participants N --minutes M`` in ``tmp``; stopped like Ctrl-C."""
    log = tmp / "demo.out"
    cmd = [sys.executable, "-m", "wearmon", "demo", "--participants", str(participants)]
    cmd += ["--minutes", str(minutes), "--port", str(free_port()), "--progress-s", "30"]
    cmd += ["--data-dir", str(tmp / "demo-data"), "--clinician-password-stdin"]
    with log.open("wb") as sink:
        # Its own session: signals meant for the test's process group (the browser
        # driver's shutdown) do not stop it; the test stops it with SIGINT, as Ctrl-C.
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=sink,
            stderr=sink,
            env=dict(os.environ),
            start_new_session=True,
        )
        assert proc.stdin is not None
        proc.stdin.write(PASSWORD.encode() + b"\n")
        proc.stdin.close()
        try:
            found = _banner(proc, log)
            url = found["dashboard"].strip()
            # "export DATABASE_URL='user=... host=...'": what the demo tells the user to do.
            database = found["commands"].split("DATABASE_URL=", 1)[1].strip().strip("'")
            yield Demo(
                dashboard_url=url,
                api_url=url.removesuffix("/dashboard/"),
                database=database,
                manifest=json.loads(Path(found["manifest"].strip()).read_text()),
                log=log,
            )
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(_STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
