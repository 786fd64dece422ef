"""Connection policy: timeouts, backoff with jitter, and the shared adapter's limits.

The rules come from what real gateways trip over (docs/ble.md, from bleak's issue
tracker): transient connect aborts need retries with backoff and a per-attempt timeout
inside a safety timeout; scanning and connecting on one adapter must not overlap; an
adapter has few connection slots; D-Bus calls can hang and need their own timeout.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ConnectionPolicy:
    """Timeouts, retry and concurrency limits for BLE sessions.

    Attributes
    ----------
    scan_timeout_s : float
        How long to look for a fresh advertisement before one connect round gives up.
    attempt_timeout_s : float
        Budget of one ``connect()`` call.
    safety_timeout_s : float
        Budget of a whole connect round (all attempts); outer bound for hung stacks.
    attempts_per_round : int
        Connect attempts within one round before rescanning.
    call_timeout_s : float
        Budget of one GATT read, write or subscribe (a hung D-Bus call is abandoned).
    racp_timeout_s : float
        How long to wait for the RACP response indication after a back-fill request.
    backoff_base_s, backoff_cap_s : float
        Exponential backoff between failed rounds: ``base * 2**n`` capped at ``cap``,
        with full jitter.
    max_connections : int
        Concurrent connections on the adapter.
    hr_silence_s, cgm_silence_s : float
        Watchdog: a connected device silent this long is dropped and reconnected.
    """

    # bleak's own default connect timeout is 10 s (30 s since 2.1.1 including discovery);
    # 15 s per attempt and 60 s per round follow bleak-retry-connector's practice of a
    # short attempt inside a longer safety bound.
    scan_timeout_s: float = 30.0
    attempt_timeout_s: float = 15.0
    safety_timeout_s: float = 60.0
    attempts_per_round: int = 3
    # A GATT operation normally completes in a few connection intervals (<1 s); 10 s
    # marks a hung call.
    call_timeout_s: float = 10.0
    # A CGM stores at most 14 days at 5-minute steps (~4000 records); at ~10-20 records
    # per second over BLE a full back-fill takes a few minutes: 300 s.
    racp_timeout_s: float = 300.0
    # Backoff: start at 1 s, cap at 60 s (task brief: "cap e.g. 60 s").
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    # Typical adapters hold 3-10 LE links; 3 is safe on a Raspberry Pi's built-in radio.
    max_connections: int = 3
    # HR straps notify about once a second; 30 s of silence means a dead link. A CGM
    # notifies every 5 minutes (1 minute on some); 3 missed records (15 min) is dead.
    hr_silence_s: float = 30.0
    cgm_silence_s: float = 900.0

    def __post_init__(self) -> None:
        if self.attempt_timeout_s > self.safety_timeout_s:
            raise ValueError(
                f"attempt_timeout_s ({self.attempt_timeout_s}) must not exceed "
                f"safety_timeout_s ({self.safety_timeout_s})"
            )
        if self.max_connections < 1 or self.attempts_per_round < 1:
            raise ValueError("max_connections and attempts_per_round must be at least 1")


def backoff_delay_s(
    failures: int, *, base_s: float, cap_s: float, rng: random.Random | None = None
) -> float:
    """Delay before the next try after ``failures`` consecutive failures (full jitter).

    Full jitter, ``uniform(0, min(cap, base * 2**(failures-1)))``, is the variant that
    spreads a herd of clients best (M. Brooker, "Exponential Backoff And Jitter", AWS
    Architecture Blog, 2015).

    Parameters
    ----------
    failures : int
        Consecutive failures so far (1 after the first failure); 0 gives no delay.
    base_s, cap_s : float
        First ceiling and the largest ceiling, in seconds.
    rng : random.Random, optional
        Source of jitter (injected in tests).

    Returns
    -------
    float
        Seconds to wait, in ``[0, min(cap_s, base_s * 2**(failures-1))]``.
    """
    if failures <= 0:
        return 0.0
    ceiling_s = min(cap_s, base_s * 2.0 ** min(failures - 1, 62))
    return (rng or random).uniform(0.0, ceiling_s)


class Adapter:
    """The one Bluetooth adapter: scan/connect serialised, connection slots limited.

    Parameters
    ----------
    max_connections : int
        Sessions that may be connected at once.
    """

    def __init__(self, max_connections: int) -> None:
        self.radio_lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(max_connections)
        self.max_connections = max_connections

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one connection slot for the lifetime of a session."""
        async with self._slots:
            yield


async def bounded(awaitable: Awaitable[T], timeout_s: float, what: str) -> T:
    """Await ``awaitable`` for at most ``timeout_s``; raise TimeoutError naming ``what``."""
    try:
        async with asyncio.timeout(timeout_s):
            return await awaitable
    except TimeoutError as exc:
        raise TimeoutError(f"{what} did not finish within {timeout_s:g} s") from exc
