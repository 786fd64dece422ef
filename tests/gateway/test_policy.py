"""Backoff with full jitter, timeouts and the adapter's limits."""

from __future__ import annotations

import asyncio
import random

import pytest

from gateway.policy import Adapter, ConnectionPolicy, backoff_delay_s, bounded

pytestmark = pytest.mark.timeout(5)


def test_no_failure_means_no_delay() -> None:
    assert backoff_delay_s(0, base_s=1.0, cap_s=60.0) == 0.0


@pytest.mark.parametrize(
    ("failures", "ceiling_s"), [(1, 1.0), (2, 2.0), (4, 8.0), (7, 60.0), (500, 60.0)]
)
def test_delay_stays_within_the_exponential_ceiling(failures: int, ceiling_s: float) -> None:
    rng = random.Random(1)
    delays = [backoff_delay_s(failures, base_s=1.0, cap_s=60.0, rng=rng) for _ in range(200)]
    assert max(delays) <= ceiling_s
    assert max(delays) > ceiling_s * 0.8  # full jitter reaches near the ceiling


def test_jitter_spreads_delays() -> None:
    rng = random.Random(2)
    delays = {backoff_delay_s(5, base_s=1.0, cap_s=60.0, rng=rng) for _ in range(20)}
    assert len(delays) == 20


async def test_bounded_names_the_operation_on_timeout() -> None:
    with pytest.raises(TimeoutError, match=r"read battery did not finish within 0\.01 s"):
        await bounded(asyncio.Event().wait(), 0.01, "read battery")


def test_attempt_timeout_must_fit_the_safety_timeout() -> None:
    with pytest.raises(ValueError, match="must not exceed"):
        ConnectionPolicy(attempt_timeout_s=90.0, safety_timeout_s=60.0)


async def test_adapter_slots_bound_concurrency() -> None:
    adapter = Adapter(2)
    inside = peak = 0

    async def session() -> None:
        nonlocal inside, peak
        async with adapter.slot():
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(session() for _ in range(5)))
    assert peak == 2
