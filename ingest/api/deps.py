"""FastAPI dependencies as ``Annotated`` aliases, so route signatures read like prose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import psycopg
from fastapi import Depends, Header, HTTPException, Request, status

from ingest.api.state import AppState
from ingest.ratelimit import retry_after_header
from ingest.storage.gateways import GatewayIdentity, find_gateway


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.wearmon
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_conn(state: StateDep) -> AsyncIterator[psycopg.AsyncConnection[tuple[object, ...]]]:
    async with state.pool.connection() as conn:
        yield conn


ConnDep = Annotated[psycopg.AsyncConnection[tuple[object, ...]], Depends(get_conn)]

_BEARER = "bearer "


async def authenticate_gateway(
    state: StateDep,
    conn: ConnDep,
    authorization: Annotated[str | None, Header()] = None,
) -> GatewayIdentity:
    """401 unless the request carries a valid, unrevoked gateway token; 429 over its rate."""
    if authorization is None or not authorization.lower().startswith(_BEARER):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing gateway credential: send 'Authorization: Bearer <gateway token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    gateway = await find_gateway(conn, authorization[len(_BEARER) :].strip())
    await conn.commit()
    if gateway is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown or revoked gateway token; re-enrol the gateway (wearmon enroll gateway)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    wait_s = state.limiter.take(gateway.gateway_id)
    if wait_s > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"gateway {gateway.gateway_id} is over its rate of "
            f"{state.settings.gateway_rate_per_s:g} requests/s; retry later",
            headers={"Retry-After": retry_after_header(wait_s)},
        )
    return gateway


GatewayDep = Annotated[GatewayIdentity, Depends(authenticate_gateway)]
