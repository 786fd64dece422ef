"""What the running app holds: settings, the database pool, the backend, the limiters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import AsyncConnectionPool

from ingest.credentials import CredentialCache
from ingest.db.backend import BackendInfo
from ingest.failures import FailureTally
from ingest.ratelimit import InFlight, TokenBuckets
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
    in_flight: InFlight = field(default_factory=lambda: InFlight(4))
    auth_failures: TokenBuckets = field(default_factory=lambda: TokenBuckets(0.2, 20))
    failure_tally: FailureTally = field(default_factory=FailureTally)

    @classmethod
    def build(
        cls,
        settings: ServerSettings,
        pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]],
        backend: BackendInfo,
    ) -> AppState:
        """The state for ``settings``: every limiter sized from them."""
        return cls(
            settings=settings,
            pool=pool,
            backend=backend,
            limiter=TokenBuckets(settings.gateway_rate_per_s, settings.gateway_burst),
            credentials=CredentialCache(settings.credential_cache_s),
            in_flight=InFlight(settings.gateway_concurrency),
            auth_failures=TokenBuckets(
                settings.auth_failure_rate_per_s, settings.auth_failure_burst
            ),
        )
