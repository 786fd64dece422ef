"""``wearmon serve``: the API (with its storage upkeep) against a database."""

from __future__ import annotations

import argparse
import logging
import os
import signal
from typing import Any

import uvicorn

from ingest.alerts.engine import EngineSettings
from ingest.alerts.processes import worker_processes
from ingest.db.preflight import check_database
from ingest.settings import ServerSettings
from wearmon.commands.common import add_database_flags, require_free_port
from wearmon.database import database_url
from wearmon.errors import UsageError
from wearmon.parent_watch import stop_when_orphaned
from wearmon.web import DASHBOARD_PATH, create_web_app

log = logging.getLogger(__name__)

# Gateways upload every few seconds on one kept-alive connection; uvicorn's 5 s default
# equals the gateway's pause, so a reused connection could be closed under a batch (seen
# in bench/gateway_stack.py). Idle connections cost little.
_KEEP_ALIVE_S = 75


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("serve", help="run the API server")
    parser.add_argument("--host", help="listen address (default 127.0.0.1; $WEARMON_HOST)")
    parser.add_argument("--port", type=int, help="listen port (default 8000; $WEARMON_PORT)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (default 1; more need DATABASE_URL)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="log warnings only, no line per request"
    )
    add_database_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise UsageError(f"--workers should be 1 or more; got {args.workers}")
    given = {
        "host": args.host,
        "port": args.port,
        "database_url": args.database_url,
        "data_dir": args.data_dir,
    }
    # Flags override the environment; validation (unsafe production defaults) sees both.
    base = ServerSettings(**{k: v for k, v in given.items() if v is not None})
    # Before anything starts: a busy port would otherwise surface after the database is
    # up, as uvicorn's exit code 3 and a log line.
    require_free_port(base.host, base.port)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into SystemExit so
    # that the embedded PostgreSQL is stopped on the way out instead of left running.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # Started by another wearmon process (the demo, a benchmark): stop when it is gone.
    stop_when_orphaned(os.environ)
    with database_url(base.database_url, base.data_dir) as url:
        settings = base.model_copy(update={"database_url": url})
        if settings.mode == "production":
            check_database(url, production=True)
        log.info(
            "API on http://%s:%d/api/v1 (OpenAPI at /api/v1/openapi.json)",
            settings.host,
            settings.port,
        )
        log.info("dashboard on http://%s:%d%s/", settings.host, settings.port, DASHBOARD_PATH)
        log_level = "warning" if args.quiet else "info"
        # The alert worker(s) in child processes: evaluation is CPU-bound and must not
        # stall the API's event loop ($WEARMON_ALERT_WORKERS, 0 to run them apart).
        with worker_processes(url, EngineSettings.from_server(settings), settings.alert_workers):
            if args.workers == 1:
                uvicorn.run(
                    create_web_app(settings),
                    host=settings.host,
                    port=settings.port,
                    timeout_keep_alive=_KEEP_ALIVE_S,
                    log_level=log_level,
                    access_log=not args.quiet,
                )
            else:
                # Each server process builds the app from the environment (same settings).
                os.environ.update(_settings_env(settings))
                uvicorn.run(
                    "wearmon.web:app_from_env",
                    factory=True,
                    workers=args.workers,
                    host=settings.host,
                    port=settings.port,
                    timeout_keep_alive=_KEEP_ALIVE_S,
                    log_level=log_level,
                    access_log=not args.quiet,
                )
    return 0


def _settings_env(settings: ServerSettings) -> dict[str, str]:
    """The environment that makes :class:`ServerSettings` in a worker equal ``settings``."""
    return {
        "DATABASE_URL": str(settings.database_url),
        "WEARMON_HOST": settings.host,
        "WEARMON_PORT": str(settings.port),
    }


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
