"""``wearmon worker``: an alert worker on its own, against the same database as the API."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import Any

from ingest.alerts.engine import EngineSettings
from ingest.alerts.worker import run_worker
from ingest.db import migrate, pool
from ingest.settings import ServerSettings
from wearmon.commands.common import add_database_flags
from wearmon.database import database_url

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "worker",
        help="run an alert worker (serve starts one; run more for load, or apart)",
    )
    add_database_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    given = {"database_url": args.database_url, "data_dir": args.data_dir}
    base = ServerSettings(**{k: v for k, v in given.items() if v is not None})
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        log.info("stopping the alert worker (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with database_url(base.database_url, base.data_dir) as url:
        with pool.connect(url) as conn:
            migrate.upgrade(conn)
        log.info("alert worker started; Ctrl-C or SIGTERM stops it")
        run_worker(url, EngineSettings.from_server(base), stop)
    return 0
