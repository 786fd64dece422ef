"""The credential cache forgets tokens after its TTL, so revocation takes effect."""

from __future__ import annotations

import uuid

from ingest.credentials import CredentialCache
from ingest.ratelimit import TokenBuckets, retry_after_header
from ingest.storage.gateways import GatewayIdentity


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_token_expires_after_the_ttl() -> None:
    clock = Clock()
    cache = CredentialCache(ttl_s=30, clock=clock)
    gateway = GatewayIdentity(uuid.uuid4())
    cache.put("secret", gateway)
    assert cache.get("secret") == gateway
    assert cache.get("other") is None
    clock.now = 31
    assert cache.get("secret") is None


def test_token_buckets_allow_the_burst_then_ask_to_wait() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate_per_s=2.0, burst=3, clock=clock)
    assert [buckets.take("g") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = buckets.take("g")
    assert wait == 0.5
    assert retry_after_header(wait) == "1"
    assert buckets.take("other") == 0.0
    clock.now = 0.5
    assert buckets.take("g") == 0.0
