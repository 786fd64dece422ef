"""Server settings: every value from flags or the environment (``WEARMON_*``, ``DATABASE_URL``).

One settings object per deployable (this one: ``wearmon serve`` and the commands that talk
to the database). ``create_app(settings)`` takes it; nothing is read at import time.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Final, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class UnsafeSettingsError(ValueError):
    """A production deployment was configured with an unsafe default."""


# Estimated entropy a production secret needs. 32 random hex digits carry 128 bits but
# their character frequencies estimate ~115 (see ``estimated_entropy_bits``), so the bar
# sits below that; 32 x "a" estimates 0 and a short English phrase ~100 over 40+ chars.
MIN_SECRET_BITS: Final = 96


def estimated_entropy_bits(secret: str) -> float:
    """Length x Shannon entropy of the secret's own character frequencies (pure).

    An upper bound for a human-chosen secret and close to the truth for a random one: it
    catches repeated or few distinct characters, which is what a placeholder looks like.
    """
    if not secret:
        return 0.0
    counts = Counter(secret)
    n = len(secret)
    per_char = -sum(c / n * math.log2(c / n) for c in counts.values())
    return n * per_char


class ServerSettings(BaseSettings):
    """Configuration of the ingestion/clinical API server."""

    model_config = SettingsConfigDict(env_prefix="WEARMON_", extra="ignore", frozen=True)

    mode: Literal["development", "production"] = Field(
        "development", description="production refuses unsafe defaults at start"
    )
    docs: bool | None = Field(
        None,
        description="serve the interactive API docs (default: on in development, off in "
        "production)",
    )
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "WEARMON_DATABASE_URL", "database_url"),
        description="PostgreSQL URL; unset = start the embedded PostgreSQL in data_dir",
    )
    data_dir: Path | None = Field(None, description="embedded PostgreSQL data directory")
    host: str = Field("127.0.0.1", description="address the API listens on")
    port: int = Field(8000, ge=1, le=65535, description="port the API listens on")
    secret_key: SecretStr = Field(
        SecretStr(""), description="signs sessions; required (>= 32 chars) in production"
    )
    # docs/privacy.md "Ingestion hygiene": limits on body size, readings per batch, rate.
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="413 above this")
    max_readings_per_batch: int = Field(5000, ge=1, description="422 above this")
    gateway_rate_per_s: float = Field(
        50.0, gt=0, description="sustained batches per second per gateway before 429"
    )
    gateway_burst: int = Field(200, ge=1, description="batches a gateway may send at once")
    # docs/privacy.md: not more than 5 minutes in the future; not older than the gateway
    # buffer window (default 7 days).
    future_tolerance_s: float = Field(300.0, ge=0, description="max clock skew ahead, s")
    buffer_window_days: float = Field(7.0, gt=0, description="oldest reading accepted, days")
    partitions_ahead_days: int = Field(7, ge=1, description="daily partitions created ahead")
    retention_days: int = Field(
        3650, ge=30, description="readings older than this are dropped (whole days)"
    )
    credential_cache_s: float = Field(
        30.0,
        ge=0,
        description="known gateway tokens are remembered this long (0 = look up every "
        "request); revocation still takes effect at once: every write re-checks it",
    )
    pool_size: int = Field(8, ge=1, description="database connections per server process")
    # People's sessions and sign-in (docs/privacy.md "Authentication"). 30 min idle and
    # 12 h absolute follow OWASP's Session Management Cheat Sheet for a sensitive
    # application used over one clinical shift; 5 failures / 15 min is OWASP's
    # Authentication Cheat Sheet example of an account lockout policy.
    session_idle_minutes: float = Field(
        30.0, gt=0, description="a session unused this long stops working"
    )
    session_absolute_hours: float = Field(
        12.0, gt=0, description="a session stops working this long after sign-in"
    )
    lockout_failures: int = Field(
        5, ge=1, description="failed sign-ins in a row that lock an account"
    )
    lockout_minutes: float = Field(15.0, gt=0, description="how long a locked account stays locked")
    # docs/clinical.md "Alerts": an episode that ended more than 15 min before the data
    # revealing it arrived raises a retrospective alert (never escalated).
    alert_retrospective_min: float = Field(
        15.0, gt=0, description="late data: minutes after which an alert is retrospective"
    )
    alert_heart_interval_s: float = Field(
        30.0, gt=0, description="heart rules run at most this often per participant, s"
    )
    alert_timer_s: float = Field(
        30.0, gt=0, description="time-driven rules (stale device, gateway) run every, s"
    )
    alert_workers: int = Field(
        1, ge=0, description="alert worker processes started by serve (0: run them apart)"
    )
    # A request that cannot get a connection this fast is answered 503 + Retry-After, so
    # that a gateway backs off instead of queueing behind an exhausted pool or an outage
    # (psycopg_pool's own default is 30 s, which is what a stalled gateway saw).
    pool_timeout_s: float = Field(
        1.0, gt=0, le=30, description="wait for a database connection before 503, s"
    )
    # A batch of the maximum size (4 MiB) takes ~17 s over a 2 Mbit/s home uplink; a
    # body that has not arrived by then is a stalled or hostile client (408).
    body_timeout_s: float = Field(30.0, gt=0, description="whole request body must arrive in, s")
    gateway_concurrency: int = Field(
        4, ge=1, description="requests one gateway may have in flight before 429"
    )
    # Failed gateway authentications per source address (a token being guessed): the
    # burst covers a misconfigured gateway's retries, the rate is one every 5 s after.
    auth_failure_burst: int = Field(20, ge=1, description="failed logins per address at once")
    auth_failure_rate_per_s: float = Field(
        0.2, gt=0, description="sustained failed gateway authentications per address"
    )

    @property
    def docs_enabled(self) -> bool:
        """Whether the interactive API docs are served."""
        return self.docs if self.docs is not None else self.mode == "development"

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.mode == "production":
            secret = self.secret_key.get_secret_value()
            if len(secret) < 32 or estimated_entropy_bits(secret) < MIN_SECRET_BITS:
                raise UnsafeSettingsError(
                    "WEARMON_SECRET_KEY must be at least 32 random characters in production "
                    f"mode (this one has {len(secret)} characters and about "
                    f"{estimated_entropy_bits(secret):.0f} bits of entropy; at least "
                    f"{MIN_SECRET_BITS} are needed). Generate one with: python -c 'import "
                    "secrets; print(secrets.token_urlsafe(48))'"
                )
            if self.database_url is None:
                raise UnsafeSettingsError(
                    "production mode needs DATABASE_URL: the embedded PostgreSQL is for "
                    "demos and development only"
                )
        return self
