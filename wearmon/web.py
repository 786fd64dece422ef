"""The web app served by ``wearmon serve``: the API, with the dashboard at /dashboard/.

The dashboard is a WSGI (Flask) app mounted into the API's ASGI app, so one port
serves both; it calls the API over HTTP on the loopback address like any other client.
Every path outside /dashboard stays the API's, so unknown /api/... paths still get the
API's JSON 404. Composed here because ``ingest`` must not import ``dashboard``.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import RedirectResponse

from ingest.api.app import create_app
from ingest.settings import ServerSettings

log = logging.getLogger(__name__)

DASHBOARD_PATH = "/dashboard"


def loopback_url(host: str, port: int) -> str:
    """Where the dashboard reaches the API in the same process (a wildcard bind is local)."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def app_from_env() -> FastAPI:
    """The web app for the settings in the environment (``wearmon serve --workers``)."""
    return create_web_app(ServerSettings())


def create_web_app(settings: ServerSettings, *, dashboard: bool = True) -> FastAPI:
    """The API for ``settings``, plus the dashboard when its extra is installed."""
    app = create_app(settings)
    if dashboard:
        mount_dashboard(app, loopback_url(settings.host, settings.port))
    return app


def mount_dashboard(app: FastAPI, api_url: str, *, secure_cookies: bool = False) -> bool:
    """Mount the dashboard under /dashboard/; False (and a warning) if it is not installed."""
    try:
        from a2wsgi import WSGIMiddleware

        from dashboard.app import create_dashboard
    except ImportError as exc:  # the "dashboard" extra is optional for API-only servers
        log.warning(
            "dashboard not served (%s); install it with: pip install 'wearmon[dashboard]'", exc
        )
        return False
    dash_app = create_dashboard(api_url, secure_cookies=secure_cookies)

    @app.get(DASHBOARD_PATH, include_in_schema=False)
    def to_dashboard() -> RedirectResponse:
        return RedirectResponse(DASHBOARD_PATH + "/", status_code=307)

    # Pages and figures are JSON that compresses ~9:1 (bench/dashboard.py); the API's own
    # responses are left as they are.
    dashboard_app = GZipMiddleware(WSGIMiddleware(dash_app.server), minimum_size=1024)  # type: ignore[arg-type]
    app.mount(DASHBOARD_PATH, dashboard_app)
    return True
