"""The credential cache, the rate and in-flight limiters and the failure tally (pure)."""

from __future__ import annotations

import uuid

from ingest.credentials import CredentialCache
from ingest.failures import FailureTally
from ingest.ratelimit import InFlight, TokenBuckets, retry_after_header
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


def test_peek_reports_the_wait_without_taking_a_token() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate_per_s=0.5, burst=1, clock=clock)
    assert buckets.peek("1.2.3.4") == 0.0
    assert buckets.take("1.2.3.4") == 0.0
    assert buckets.peek("1.2.3.4") == 2.0
    assert buckets.peek("1.2.3.4") == 2.0  # peeking took nothing
    clock.now = 2.0
    assert buckets.peek("1.2.3.4") == 0.0


def test_in_flight_caps_each_key_and_gives_slots_back() -> None:
    slots = InFlight(limit=2)
    assert slots.enter("a")
    assert slots.enter("a")
    assert not slots.enter("a")
    assert slots.enter("b")
    slots.leave("a")
    assert slots.enter("a")


def test_failed_authentications_are_logged_as_counts_at_most_once_a_minute() -> None:
    clock = Clock()
    tally = FailureTally(interval_s=60, clock=clock)
    first = tally.record("10.0.0.1")
    assert first is not None
    assert first.startswith("1 failed gateway authentication(s) from 1 address(es)")
    quiet = [tally.record("10.0.0.2" if i % 3 else "10.0.0.1") for i in range(9)]
    assert quiet == [None] * 9
    clock.now = 61
    summary = tally.record("10.0.0.1")
    assert summary is not None
    assert summary.startswith("10 failed gateway authentication(s) from 2 address(es) in the")
    assert "10.0.0.2 x6" in summary
