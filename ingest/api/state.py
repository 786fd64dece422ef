"""What the running app holds: settings, the database pool, the backend, the limiter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg_pool import AsyncConnectionPool

from ingest.credentials import CredentialCache
from ingest.db.backend import BackendInfo
from ingest.ratelimit import TokenBuckets
from ingest.settings import ServerSettings


@dataclass(slots=True)
class AppState:
    """Created by the lifespan of ``create_app``; routes reach it through dependencies."""

    settings: ServerSettings
    pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]]
    backend: BackendInfo
    limiter: TokenBuckets
    credentials: CredentialCache
    # What "now" is for sessions and lockout; tests inject a settable clock.
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
