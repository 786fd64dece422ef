"""The API in a child process: one launcher for the demo, the benchmarks and the tests.

The child is ``python -m wearmon serve`` (the API, with the dashboard when installed):
the same command an operator runs. It gets a core of its own, and a crash in it cannot
take the caller down. :func:`api_process` starts it, waits until ``/api/v1/health``
answers, yields its address and process id, and stops it on exit.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from wearmon.errors import UsageError
from wearmon.parent_watch import PARENT_PID_ENV

#: A server that is not healthy within a minute is broken (a cold start with
#: migrations takes 2-5 s on a 2-core machine).
START_TIMEOUT_S = 60.0
#: How long a stopping server may finish its requests before it is killed.
STOP_TIMEOUT_S = 20.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on at ``host`` right now.

    Another process may take it before the caller binds it: a server started on it must
    fail loudly when the port is taken (as ``wearmon serve`` does), never silently.
    """
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ApiProcess:
    """A running API child: its base URL, process id (for CPU accounting), exit status
    (None while it runs; for a supervisor) and where its output goes."""

    url: str
    pid: int
    exit_code: Callable[[], int | None]
    log_path: Path | None = None


@contextlib.contextmanager
def api_process(
    database_url: str,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    quiet: bool = False,
) -> Iterator[ApiProcess]:
    """Run ``wearmon serve`` against ``database_url``; yield where it answers.

    Parameters
    ----------
    database_url : str
        The PostgreSQL database the API serves.
    host, port : str, int
        Where it listens (default: the loopback address and a free port).
    workers : int
        Server processes sharing the port (``wearmon serve --workers``).
    env : mapping, optional
        Extra environment (``WEARMON_*`` settings).
    log_path : Path, optional
        File that receives the server's output (appended); default: inherited.
    quiet : bool
        Log warnings only (benchmarks: no line per request).
    """
    port = free_port(host) if port is None else port
    cmd = [sys.executable, "-m", "wearmon"]
    cmd += ["serve", "--database-url", database_url, "--host", host, "--port", str(port)]
    if workers != 1:
        cmd += ["--workers", str(workers)]
    if quiet:
        cmd += ["--quiet"]
    with contextlib.ExitStack() as files:
        out = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            out = files.enter_context(log_path.open("ab"))
        # A session of its own: a Ctrl-C at the terminal reaches only the caller, which
        # stops the child itself, in order (gateways first, then the API, then PostgreSQL).
        # If the caller is killed outright, the child notices and stops itself
        # (wearmon.parent_watch).
        proc = subprocess.Popen(
            cmd,
            env={**os.environ, **(env or {}), PARENT_PID_ENV: str(os.getpid())},
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        try:
            url = f"http://{_client_host(host)}:{port}"
            _wait_healthy(proc, url, port)
            yield ApiProcess(url, proc.pid, proc.poll, log_path)
        finally:
            _stop(proc)


def _client_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise UsageError(
                    f"the API server exited (code {proc.returncode}); is port {port} already "
                    "in use? Pass --port with a free port"
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/api/v1/health").status_code == 200:
                    return
            time.sleep(0.2)
    raise UsageError(f"the API server did not become healthy within {START_TIMEOUT_S:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
