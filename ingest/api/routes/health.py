"""Health: is the database reachable, and which backend is it."""

from __future__ import annotations

import logging

import psycopg
from fastapi import APIRouter, Response, status

from ingest.api.deps import StateDep
from ingest.api.problems import RETRY_AFTER_S
from ingest.api.schemas import HealthOut

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "the database is unreachable"}},
    summary="Database reachability and backend",
)
async def get_health(state: StateDep, response: Response) -> HealthOut:
    backend = state.backend.backend.value
    try:
        async with state.pool.connection(timeout=state.settings.pool_timeout_s) as conn:
            await conn.execute("SELECT 1")
    except (psycopg.Error, TimeoutError) as exc:
        log.warning("health check: database unreachable: %s", exc)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return HealthOut(status="degraded", database="unreachable", backend=backend)
    return HealthOut(
        status="ok",
        database="reachable",
        backend=backend,
        server_version=state.backend.server_version,
    )
