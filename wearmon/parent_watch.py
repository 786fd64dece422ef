"""A server started by another wearmon process stops when that process is gone.

:func:`wearmon.api_process.api_process` starts ``wearmon serve`` in a session of its own
(so that a Ctrl-C reaches only the caller, which stops it in order). When the caller is
killed outright (SIGKILL, an out-of-memory kill) nothing stops the child: it would keep
the port, its database connections and its alert workers. So the caller names itself in
``WEARMON_PARENT_PID``, and the server watches for its parent to change (on Linux an
orphan is re-parented to init or a subreaper), then stops itself as SIGTERM would:
gracefully, finishing its requests.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping

from wearmon.errors import UsageError

log = logging.getLogger(__name__)

PARENT_PID_ENV = "WEARMON_PARENT_PID"
#: How often the parent is looked for: a second is short beside a person noticing
#: a stale server, and one getppid() a second costs nothing.
INTERVAL_S = 1.0


def parent_pid(environ: Mapping[str, str]) -> int | None:
    """The process id in ``WEARMON_PARENT_PID``, or None when it is not set."""
    raw = environ.get(PARENT_PID_ENV)
    if raw is None or not raw.strip():
        return None
    try:
        pid = int(raw)
    except ValueError:
        pid = 0
    if pid <= 0:
        raise UsageError(
            f"{PARENT_PID_ENV} should be the process id of the process that started the "
            f"server; got {raw!r}. Unset it to run the server on its own"
        )
    return pid


def wait_for_orphaning(
    pid: int,
    *,
    getppid: Callable[[], int] = os.getppid,
    sleep: Callable[[float], None] = time.sleep,
    interval_s: float = INTERVAL_S,
) -> None:
    """Return once this process's parent is no longer ``pid``."""
    while getppid() == pid:
        sleep(interval_s)


def stop_when_orphaned(environ: Mapping[str, str]) -> threading.Thread | None:
    """Watch the parent named in ``environ`` from a daemon thread (None: nothing to watch).

    When the parent is gone, this process gets SIGTERM: the server's own handler shuts
    it down as an operator's ``kill`` would.
    """
    pid = parent_pid(environ)
    if pid is None:
        return None

    def watch() -> None:
        wait_for_orphaning(pid)
        log.warning("the process that started this server (pid %d) is gone; stopping", pid)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread
