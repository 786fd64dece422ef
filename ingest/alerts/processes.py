"""Alert workers as child processes of ``wearmon serve`` (and ``wearmon demo``).

Rule evaluation is CPU-bound numpy work; in a process of its own it neither holds the
API's GIL nor stalls its event loop. Usage::

    with worker_processes(url, EngineSettings.from_server(settings), count=1):
        uvicorn.run(...)

The children apply pending migrations first (under the migration lock, so racing the
API's own upgrade is safe), stop when the context exits (a shared stop event, then
terminate after a grace period) and ignore SIGINT, so that Ctrl-C in a terminal stops
them through the parent in order. A child whose parent died without stopping it (SIGKILL,
out of memory) notices within a second and stops too, instead of running on orphaned.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from multiprocessing.synchronize import Event

from ingest.alerts.engine import EngineSettings
from ingest.alerts.worker import run_worker
from ingest.db import migrate, pool

log = logging.getLogger(__name__)

_GRACE_S = 10.0
_PARENT_CHECK_S = 1.0


def run_migrated_worker(url: str, settings: EngineSettings, stop: Event) -> None:
    """Apply pending migrations, then :func:`~ingest.alerts.worker.run_worker` until ``stop``."""
    with pool.connect(url) as conn:
        migrate.upgrade(conn)
    run_worker(url, settings, stop)


def _child(url: str, settings: EngineSettings, stop: Event, level: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = os.getppid()
    threading.Thread(
        target=stop_when_orphaned, args=(parent, stop), name="parent-watch", daemon=True
    ).start()
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s"
    )
    run_migrated_worker(url, settings, stop)


def stop_when_orphaned(parent: int, stop: Event, every_s: float = _PARENT_CHECK_S) -> None:
    """Set ``stop`` once this process's parent is no longer ``parent`` (it died and the
    process was re-parented), or return when ``stop`` is set otherwise."""
    while not stop.wait(every_s):
        if os.getppid() != parent:
            log.warning("the server process %d is gone; stopping this alert worker", parent)
            stop.set()


@contextlib.contextmanager
def worker_processes(url: str, settings: EngineSettings, count: int = 1) -> Iterator[None]:
    """Run ``count`` alert workers in child processes for the duration of the block."""
    if count <= 0:
        yield
        return
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    level = logging.getLogger().getEffectiveLevel()
    children = [
        ctx.Process(target=_child, args=(url, settings, stop, level), name=f"wearmon-alerts-{i}")
        for i in range(count)
    ]
    for child in children:
        child.start()
    log.info("started %d alert worker process(es)", count)
    try:
        yield
    finally:
        stop.set()
        for child in children:
            child.join(_GRACE_S)
            if child.is_alive():
                log.warning("alert worker %s did not stop in time; terminating", child.pid)
                child.terminate()
                child.join(_GRACE_S)
