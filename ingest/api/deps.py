"""FastAPI dependencies as ``Annotated`` aliases, so route signatures read like prose.

Database connections are pooled and few (``pool_size`` per process), so no dependency
holds one while the client is still sending: the gateway credential is checked from a
short-lived cache or with a connection held only for that query, the body is read with
no connection held, and routes take a connection (``connection(state)``) only to store.
A request that cannot get one within ``pool_timeout_s`` is answered 503 + Retry-After
(see ``ingest.api.problems``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated

import psycopg
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ingest.api.state import AppState
from ingest.ratelimit import retry_after_header
from ingest.storage.gateways import GatewayIdentity, find_gateway

log = logging.getLogger(__name__)

Connection = psycopg.AsyncConnection[tuple[object, ...]]


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.wearmon
    return state


StateDep = Annotated[AppState, Depends(get_state)]


@contextlib.asynccontextmanager
async def connection(state: AppState) -> AsyncIterator[Connection]:
    """A pooled connection, waiting at most ``pool_timeout_s`` (then PoolTimeout: 503)."""
    async with state.pool.connection(timeout=state.settings.pool_timeout_s) as conn:
        yield conn


async def get_conn(state: StateDep) -> AsyncIterator[Connection]:
    """A connection for the whole request: only for routes without a request body."""
    async with connection(state) as conn:
        yield conn


ConnDep = Annotated[Connection, Depends(get_conn)]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Declares the scheme in the OpenAPI document; missing or non-bearer credentials come
# back as None so that the 401 is ours (with the hint what to send).
_gateway_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="gatewayToken",
    description="the gateway token printed once by `wearmon enroll gateway`",
)


async def authenticate_gateway(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_gateway_bearer)],
) -> AsyncIterator[GatewayIdentity]:
    """401 unless the request carries a valid, unrevoked gateway token; 429 over its rate
    or with too many of its requests in flight. Holds one in-flight slot until the
    response is done."""
    address = request.client.host if request.client else "unknown"
    _refuse_guessers(state, address)
    token = credentials.credentials.strip() if credentials else None
    gateway = state.credentials.get(token) if token else None
    if gateway is None and token:
        async with connection(state) as conn:
            gateway = await find_gateway(conn, token)
            await conn.commit()
        if gateway is not None:
            state.credentials.put(token, gateway)
    if gateway is None:
        _count_failure(state, address)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown or revoked gateway token; re-enrol the gateway (wearmon enroll gateway)"
            if token
            else "missing gateway credential: send 'Authorization: Bearer <gateway token>'",
            headers=_CHALLENGE,
        )
    _check_rate(state, gateway)
    if not state.in_flight.enter(gateway.gateway_id):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"gateway {gateway.gateway_id} already has {state.settings.gateway_concurrency} "
            "requests in flight; send one batch at a time",
            headers={"Retry-After": "1"},
        )
    try:
        yield gateway
    finally:
        state.in_flight.leave(gateway.gateway_id)


GatewayDep = Annotated[GatewayIdentity, Depends(authenticate_gateway)]

#: The ``Idempotency-Key`` header of a gateway upload (readings batch, check-in): the
#: gateway re-sends the same bytes under the same key until it gets an answer.
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=200)]


def unauthorized_revoked() -> HTTPException:
    """401 for a token revoked after it was cached: the write re-checked it."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "this gateway's credential was revoked; re-enrol the gateway (wearmon enroll gateway)",
        headers=_CHALLENGE,
    )


def _refuse_guessers(state: AppState, address: str) -> None:
    """429 for an address over its budget of failed authentications (before any lookup)."""
    wait_s = state.auth_failures.peek(address)
    if wait_s > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed gateway authentications from this address; check the "
            "gateway's token and retry later",
            headers={"Retry-After": retry_after_header(wait_s)},
        )


def _count_failure(state: AppState, address: str) -> None:
    state.auth_failures.take(address)
    summary = state.failure_tally.record(address)
    if summary is not None:
        log.warning("%s", summary)


def _check_rate(state: AppState, gateway: GatewayIdentity) -> None:
    wait_s = state.limiter.take(gateway.gateway_id)
    if wait_s > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"gateway {gateway.gateway_id} is over its rate of "
            f"{state.settings.gateway_rate_per_s:g} requests/s; retry later",
            headers={"Retry-After": retry_after_header(wait_s)},
        )
