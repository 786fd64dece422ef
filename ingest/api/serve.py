"""Entry point for process managers: ``uvicorn --factory ingest.api.serve:app_from_env``.

Reads every setting from the environment (``DATABASE_URL`` required), so that several
worker processes can serve one app behind a load balancer or uvicorn's ``--workers``.
"""

from __future__ import annotations

from fastapi import FastAPI

from ingest.api.app import create_app
from ingest.settings import ServerSettings


def app_from_env() -> FastAPI:
    """The app for the settings in the environment."""
    return create_app(ServerSettings())
