"""One demo per data directory: an exclusive lock taken before anything is touched.

A second ``wearmon demo`` on the same directory used to drop the running demo's database
and carry on against a port it could not bind. The lock file says who holds it, so the
refusal can name the running demo. The kernel releases an ``flock`` when its holder
exits, however it exits (SIGKILL included), so a stale lock file never blocks a start.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from wearmon.errors import UsageError

LOCK_NAME = "demo.lock"


@contextlib.contextmanager
def data_dir_lock(work_dir: Path, api_url: str) -> Iterator[None]:
    """Hold the demo lock of ``work_dir`` (created if missing) for the block."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(_held_by(path, work_dir)) from None
        holder = {
            "pid": os.getpid(),
            "api_url": api_url,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(holder).encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _held_by(path: Path, work_dir: Path) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        who = f" (pid {holder['pid']}, API on {holder['api_url']}, started {holder['started_at']})"
    except (OSError, ValueError, KeyError, TypeError):
        who = ""
    return (
        f"a demo is already running on the data directory {work_dir}{who}; stop it first "
        "(Ctrl-C in its terminal, or kill its pid) or pass --data-dir with another directory. "
        "Nothing was changed"
    )
