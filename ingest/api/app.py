"""The FastAPI application factory: ``create_app(settings)`` wires routers and lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, FastAPI

from ingest import maintenance
from ingest.api import problems
from ingest.api.body import component_schemas
from ingest.api.docs import mount_docs
from ingest.api.limits import BodyLimit
from ingest.api.request_id import RequestId
from ingest.api.routes import (
    alerts,
    auth,
    checkins,
    clinical,
    exports,
    health,
    ingest,
    participants,
)
from ingest.api.schemas import BatchIn, HeartbeatIn
from ingest.api.schemas_auth import CredentialsIn
from ingest.api.schemas_checkins import CheckinIn
from ingest.api.state import AppState
from ingest.db import migrate, pool, preflight
from ingest.db.backend import BackendInfo
from ingest.errors import IngestError
from ingest.settings import ServerSettings

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
# Partitions are created days ahead, so hourly upkeep leaves ample margin.
_MAINTENANCE_INTERVAL_S = 3600.0


def create_app(
    settings: ServerSettings, *, clock: Callable[[], dt.datetime] | None = None
) -> FastAPI:
    """Build the API for ``settings`` (which must name a database URL).

    ``clock`` is what "now" means for sessions and lockout (tests pass a settable one).
    """
    if settings.database_url is None:
        raise IngestError(
            "create_app needs settings.database_url (the CLI starts the "
            "embedded PostgreSQL and passes its URL)"
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        info = await asyncio.to_thread(_prepare_database, settings)
        db_pool = pool.open_pool(str(settings.database_url), settings.pool_size)
        await db_pool.open(wait=True, timeout=30.0)
        app.state.wearmon = AppState.build(settings, db_pool, info)
        if clock is not None:
            app.state.wearmon.clock = clock
        upkeep = asyncio.create_task(_maintain(settings, info), name="wearmon-maintenance")
        try:
            yield
        finally:
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep
            await db_pool.close()

    app = FastAPI(
        title="wearmon API",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        # Interactive docs (served from local files below) are for development;
        # production serves them only when asked (WEARMON_DOCS=true). The OpenAPI
        # document itself is always served.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    api.include_router(ingest.router)
    api.include_router(checkins.router)
    api.include_router(checkins.me_router)
    api.include_router(auth.router)
    api.include_router(exports.router)
    api.include_router(alerts.router)
    api.include_router(clinical.router)
    api.include_router(participants.router)
    app.include_router(api)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s
    )
    app.add_middleware(RequestId)
    problems.install(app)
    _document_raw_bodies(app)
    if settings.docs_enabled:
        mount_docs(app, docs_url=f"{API_PREFIX}/docs", openapi_url=f"{API_PREFIX}/openapi.json")
    return app


def _document_raw_bodies(app: FastAPI) -> None:
    """Add the models of routes that parse their own body to the OpenAPI components."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            spec.setdefault("components", {}).setdefault("schemas", {}).update(
                component_schemas(BatchIn, HeartbeatIn, CheckinIn)
            )
            spec["components"]["schemas"]["CredentialsIn"] = CredentialsIn.model_json_schema()
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _prepare_database(settings: ServerSettings) -> BackendInfo:
    if settings.mode == "production":
        preflight.check_database(str(settings.database_url), production=True)
    with pool.connect(str(settings.database_url)) as conn:
        info, applied = migrate.upgrade(conn)
        if applied:
            log.info("database schema upgraded: %s", applied)
        maintenance.run_once(conn, info, settings, dt.datetime.now(dt.UTC))
    return info


async def _maintain(settings: ServerSettings, info: BackendInfo) -> None:
    while True:
        await asyncio.sleep(_MAINTENANCE_INTERVAL_S)
        try:
            await asyncio.to_thread(_upkeep, settings, info)
        except Exception:
            log.exception("storage maintenance failed; retrying in an hour")


def _upkeep(settings: ServerSettings, info: BackendInfo) -> None:
    with pool.connect(str(settings.database_url)) as conn:
        maintenance.run_once(conn, info, settings, dt.datetime.now(dt.UTC))
