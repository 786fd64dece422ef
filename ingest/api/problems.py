"""How the API answers what went wrong: 422 without the input, 503 when the database is out.

A gateway retries a 5xx until it succeeds, so input that can never be valid must get a
4xx; and a 5xx must only mean "try again later", with a Retry-After saying when.
Nothing here logs or echoes a request body: batches are health data (docs/privacy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

import psycopg
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout

from ingest.api.schemas import ProblemOut

log = logging.getLogger(__name__)

# A 422 lists at most this many problems: enough to fix a batch, never the size of it
# (a 636 KB bad batch once drew a 708 KB answer echoing every reading).
MAX_ERRORS: Final = 20
# Echo an offending value only when it is this short (a type or a number, never a body).
_MAX_ECHO_CHARS: Final = 40
# Seconds a gateway should wait after a 503: long enough for a pool to drain or a
# database failover to finish, short next to the gateway's own outbox buffer (days).
RETRY_AFTER_S: Final = 5


# What each refusal means to a gateway (the OpenAPI document lists them per route).
_MEANING: Final[dict[int, str]] = {
    401: "no credential, or an unknown or revoked one (WWW-Authenticate: Bearer)",
    403: "the credential may not do this (another gateway's id, unbound devices)",
    408: "the request body did not arrive in time; send it again",
    413: "the request body is too large; send fewer readings per batch",
    422: "the request is malformed; `detail` names the fields and rules (X-Wearmon-Error "
    "names whole-batch problems)",
    429: "over a rate or concurrency limit; wait Retry-After seconds",
    503: "the database is busy or unavailable; nothing was stored, wait Retry-After seconds",
}


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer ``codes`` (descriptions and body model)."""
    return {code: {"model": ProblemOut, "description": _MEANING[code]} for code in codes}


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(PoolTimeout, _busy)  # type: ignore[arg-type]
    app.add_exception_handler(psycopg.OperationalError, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(psycopg.InterfaceError, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(psycopg.DataError, _unstorable)  # type: ignore[arg-type]


def summarize_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors as ``loc``, ``msg``, ``type``: no input beyond a short
    scalar, at most ``MAX_ERRORS`` (pure)."""
    out: list[dict[str, Any]] = []
    for error in errors[:MAX_ERRORS]:
        item: dict[str, Any] = {
            "loc": [p if isinstance(p, int) else _safe(str(p)) for p in error.get("loc", ())],
            "msg": _safe(str(error.get("msg", ""))),
            "type": str(error.get("type", "")),
        }
        shown = _short_scalar(error.get("input"))
        if shown is not None:
            item["input"] = shown
        out.append(item)
    if len(errors) > MAX_ERRORS:
        out.append(
            {
                "loc": ["body"],
                "msg": f"{len(errors) - MAX_ERRORS} more problems not listed",
                "type": "too_many_errors",
            }
        )
    return out


def _short_scalar(value: object) -> object | None:
    if isinstance(value, bool | int | float) or value is None:
        return value if value is not None else None
    if isinstance(value, str) and len(value) <= _MAX_ECHO_CHARS:
        return _safe(value)
    return None


def _safe(text: str) -> str:
    """``text`` that encodes as UTF-8 (a lone surrogate would fail the response)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(
        {"detail": summarize_errors(exc.errors())},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def _retry_later(detail: str) -> JSONResponse:
    return JSONResponse(
        {"detail": detail},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _busy(request: Request, exc: PoolTimeout) -> JSONResponse:
    log.warning("no database connection free for %s %s", request.method, request.url.path)
    return _retry_later("the server is busy (no database connection free); retry later")


async def _unavailable(request: Request, exc: psycopg.Error) -> JSONResponse:
    # The message is the driver's (host, port, server's reason), never request data.
    log.warning(
        "database unavailable for %s %s: %s",
        request.method,
        request.url.path,
        type(exc).__name__,
    )
    return _retry_later("the database is unavailable; nothing was stored, retry later")


async def _unstorable(request: Request, exc: psycopg.DataError) -> JSONResponse:
    # SQLSTATE class 22 is about the data sent: retrying cannot help, so not a 5xx.
    sqlstate = exc.sqlstate or "22000"
    log.warning(
        "refused unstorable data on %s %s (SQLSTATE %s)", request.method, request.url.path, sqlstate
    )
    return JSONResponse(
        {"detail": f"a value in the request cannot be stored (SQLSTATE {sqlstate}); fix it"},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
