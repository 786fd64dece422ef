"""The embedded PostgreSQL survives an owner killed with SIGKILL: the next clean stop
still stops it (pgserver would otherwise wait for the dead owner forever)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.db import embedded

pytestmark = pytest.mark.db

_OWNER = """
import sys, time
from pathlib import Path
from ingest.db import embedded
embedded.start(Path(sys.argv[1]))
print("up", flush=True)
time.sleep(600)
"""


def _postmaster_running(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_clean_stop_after_a_killed_owner_stops_postgresql(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(data_dir)], stdout=subprocess.PIPE, text=True
    ) as owner:
        try:
            assert owner.stdout is not None
            assert owner.stdout.readline().strip() == "up"
        finally:
            owner.send_signal(signal.SIGKILL)
            owner.wait(30)
    pgdata = data_dir / "pgdata"
    assert owner.pid in json.loads((pgdata / embedded.HANDLES_FILE).read_text())
    assert _postmaster_running(pgdata)  # left behind by the killed owner

    url, handle = embedded.start(data_dir)  # joins the running server
    assert url
    assert owner.pid not in json.loads((pgdata / embedded.HANDLES_FILE).read_text())
    handle.cleanup()
    deadline = time.monotonic() + 30
    while _postmaster_running(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _postmaster_running(pgdata)


def test_only_dead_owners_are_forgotten(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(30)
    (tmp_path / embedded.HANDLES_FILE).write_text(json.dumps([os.getpid(), gone.pid]))
    assert embedded.forget_dead_owners(tmp_path) == [gone.pid]
    assert json.loads((tmp_path / embedded.HANDLES_FILE).read_text()) == [os.getpid()]
    assert embedded.forget_dead_owners(tmp_path / "missing") == []


def test_the_embedded_server_is_sized_for_a_laptop(tmp_path: Path) -> None:
    import psycopg

    url, handle = embedded.start(tmp_path)
    try:
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
                (list(embedded.DEMO_SERVER_SETTINGS),),
            ).fetchall()
    finally:
        handle.cleanup()
    assert dict(rows) == embedded.DEMO_SERVER_SETTINGS
