"""An API server started by a wearmon process stops by itself when that process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wearmon.errors import UsageError
from wearmon.parent_watch import PARENT_PID_ENV, parent_pid, wait_for_orphaning


def test_the_parent_is_read_from_the_environment_and_a_bad_value_is_named() -> None:
    assert parent_pid({}) is None
    assert parent_pid({PARENT_PID_ENV: " "}) is None
    assert parent_pid({PARENT_PID_ENV: "4242"}) == 4242
    for bad in ("abc", "0", "-3"):
        with pytest.raises(UsageError, match=f"{PARENT_PID_ENV}.*{bad!r}.*Unset it"):
            parent_pid({PARENT_PID_ENV: bad})


def test_waiting_ends_when_the_parent_changes_not_before() -> None:
    parents = iter([100, 100, 100, 1])
    naps: list[float] = []
    wait_for_orphaning(100, getppid=lambda: next(parents), sleep=naps.append, interval_s=0.5)
    assert naps == [0.5, 0.5, 0.5]


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.db
@pytest.mark.slow
def test_the_server_stops_itself_when_its_launcher_is_killed(db_url: str, tmp_path: Path) -> None:
    # The launcher: starts the API with wearmon.api_process (as the demo does), prints
    # the server's pid and then waits, until the test kills it with SIGKILL, which gives
    # it no chance to stop its child.
    launcher = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from wearmon.api_process import api_process
        with api_process({db_url!r}, log_path=Path({str(tmp_path / "serve.log")!r})) as api:
            print(api.pid, flush=True)
            time.sleep(600)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", launcher], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            server = int(proc.stdout.readline())
            assert _alive(server)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            deadline = time.monotonic() + 30
            while _alive(server) and time.monotonic() < deadline:
                time.sleep(0.2)
            stopped = not _alive(server)
            if not stopped:
                os.kill(server, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
    log = (tmp_path / "serve.log").read_text()
    assert stopped, log
    assert "is gone; stopping" in log
    assert "Traceback" not in log
