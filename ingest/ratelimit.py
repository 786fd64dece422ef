"""Per-gateway token buckets (docs/privacy.md "Limits": 429 + Retry-After over the rate).

State lives in the API process. Behind a load balancer each instance limits on its own,
which bounds a gateway at (instances x rate); a shared limiter can replace this class
without touching the routes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class TokenBuckets:
    """``rate_per_s`` sustained requests per key, ``burst`` at once."""

    rate_per_s: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[Hashable, _Bucket] = field(default_factory=dict)

    def peek(self, key: Hashable) -> float:
        """Seconds until ``key`` has a token (0.0 if it has one now); takes nothing."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = min(
            float(self.burst),
            bucket.tokens + (self.clock() - bucket.updated) * self.rate_per_s,
        )
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate_per_s

    def take(self, key: Hashable) -> float:
        """Take one token; return 0.0 if allowed, else the seconds to wait before retrying."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(
            float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate_per_s
        )
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate_per_s


def retry_after_header(wait_s: float) -> str:
    """Retry-After is whole seconds (RFC 9110 section 10.2.3); never 0 for a refusal."""
    return str(max(1, math.ceil(wait_s)))


@dataclass(slots=True)
class InFlight:
    """At most ``limit`` requests per key at once (a slow or stuck client cannot pile up)."""

    limit: int
    _counts: dict[Hashable, int] = field(default_factory=dict)

    def enter(self, key: Hashable) -> bool:
        """Take a slot for ``key``; False (and no slot taken) when all are in use."""
        held = self._counts.get(key, 0)
        if held >= self.limit:
            return False
        self._counts[key] = held + 1
        return True

    def leave(self, key: Hashable) -> None:
        """Give back a slot taken by ``enter``."""
        held = self._counts.get(key, 0) - 1
        if held > 0:
            self._counts[key] = held
        else:
            self._counts.pop(key, None)
