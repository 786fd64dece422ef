"""A newcomer cannot break the demo: one demo per data directory, SIGTERM stops it and its
PostgreSQL cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wearmon.api_process import free_port
from wearmon.demo.lock import data_dir_lock
from wearmon.errors import UsageError


def test_a_second_holder_of_the_data_directory_is_refused_naming_the_first(
    tmp_path: Path,
) -> None:
    held = r"already running.*pid \d+.*127\.0\.0\.1:18410"
    with (
        data_dir_lock(tmp_path, "http://127.0.0.1:18410"),
        pytest.raises(UsageError, match=held),
        data_dir_lock(tmp_path, "http://127.0.0.1:18411"),
    ):
        pass
    with data_dir_lock(tmp_path, "http://127.0.0.1:18411"):  # free again after the first
        pass


def _postmaster_running(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text().split()[0]), 0)
    except ProcessLookupError:
        return False
    return True


def _demo(data_dir: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "wearmon",
        "demo",
        "--participants",
        "1",
        "--history-days",
        "0",
        "--progress-s",
        "2",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]


@pytest.mark.db
@pytest.mark.ble
@pytest.mark.slow
def test_a_second_demo_changes_nothing_and_sigterm_stops_the_first_cleanly_and_quietly(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "demo"
    port = free_port()
    with subprocess.Popen(
        _demo(data_dir, port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as first:
        try:
            assert first.stdout is not None
            lines: list[str] = []
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                line = first.stdout.readline()
                lines.append(line)
                if "homes running" in line or not line:
                    break
            assert any("homes running" in x for x in lines), "".join(lines)
            second = subprocess.run(
                _demo(data_dir, free_port()),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert second.returncode == 2
            assert f"pid {first.pid}" in second.stderr
            assert first.poll() is None  # the first demo is untouched
            first.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            first.send_signal(signal.SIGINT)  # an impatient second stop: quiet, no traceback
            out, _ = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
    assert first.returncode == 0, out
    assert "SIGTERM: stopping the demo" in out
    assert "demo stopped (SIGTERM)" in out
    assert "Traceback" not in out
    assert not _postmaster_running(data_dir / "pgdata")


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.db
@pytest.mark.ble
@pytest.mark.slow
def test_the_demo_stops_with_a_clear_message_when_its_api_server_dies(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    with subprocess.Popen(
        _demo(data_dir, free_port()), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as demo:
        try:
            assert demo.stdout is not None
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                line = demo.stdout.readline()
                if "homes running" in line or not line:
                    break
            servers = [
                c
                for c in _children(demo.pid)
                if b"serve" in Path(f"/proc/{c}/cmdline").read_bytes()
            ]
            assert len(servers) == 1
            os.kill(servers[0], signal.SIGKILL)
            out, err = demo.communicate(timeout=120)
        finally:
            if demo.poll() is None:
                demo.kill()
    assert demo.returncode == 128 + signal.SIGKILL
    assert "wearmon: error: the API server stopped unexpectedly (exit code -9)" in err
    assert "demo-api.log" in err
    assert "demo stopped (the API server stopped)" in out
    assert "Traceback" not in out + err
    assert not _postmaster_running(data_dir / "pgdata")
