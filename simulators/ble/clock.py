"""Simulated wall clock shared by the virtual wearables, optionally faster than real time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from simulators.ble.errors import BleSimulatorError


class SimClock:
    """A UTC wall clock that runs ``speed`` times faster than the monotonic clock.

    Parameters
    ----------
    start_utc : datetime, optional
        Simulated time at construction (timezone-aware). Defaults to the current UTC time.
    speed : float
        Simulated seconds per real second (1.0 real time, 1000.0 runs a minute in 60 ms).
    monotonic : callable
        Source of real seconds; injected for tests.
    real_sleep : callable
        Coroutine function that waits real seconds (``asyncio.sleep``); injected for tests.

    Notes
    -----
    Sleeping ``d`` simulated seconds waits ``d / speed`` real seconds, so every waiter
    sees the same simulated time; ordering between devices is preserved.
    """

    def __init__(
        self,
        start_utc: datetime | None = None,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        real_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if speed <= 0:
            raise BleSimulatorError(f"expected a clock speed > 0; found {speed!r}")
        if start_utc is not None and start_utc.tzinfo is None:
            raise BleSimulatorError("expected a timezone-aware start time; found a naive one")
        self._start_utc = start_utc or datetime.now(UTC)
        self._speed = speed
        self._monotonic = monotonic
        self._real_sleep = real_sleep
        self._t0_s = monotonic()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    def elapsed_s(self) -> float:
        """Simulated seconds since the clock started."""
        return (self._monotonic() - self._t0_s) * self._speed

    def now(self) -> datetime:
        """Current simulated UTC time."""
        return self._start_utc + timedelta(seconds=self.elapsed_s())

    async def sleep(self, duration_s: float) -> None:
        """Wait ``duration_s`` simulated seconds (always yields to the event loop)."""
        await self._real_sleep(max(0.0, duration_s) / self._speed)

    async def sleep_until(self, when_utc: datetime) -> None:
        """Wait until the simulated time reaches ``when_utc`` (returns at once if past)."""
        await self.sleep((when_utc - self.now()).total_seconds())
