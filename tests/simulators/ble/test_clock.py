"""SimClock: simulated time runs `speed` times faster than the injected monotonic clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulators.ble.clock import SimClock
from simulators.ble.errors import BleSimulatorError

START = datetime(2026, 1, 1, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_now_advances_speed_times_faster_than_real_time() -> None:
    real = FakeMonotonic()
    clock = SimClock(START, speed=60.0, monotonic=real)
    real.now_s += 2.0
    assert clock.now() == START + timedelta(minutes=2)


class FakeSleep:
    """Records the real seconds the clock asks to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_sleep_waits_duration_divided_by_speed() -> None:
    real_sleep = FakeSleep()
    clock = SimClock(START, speed=1000.0, monotonic=FakeMonotonic(), real_sleep=real_sleep)
    await clock.sleep(50.0)
    assert real_sleep.waits == [pytest.approx(0.05)]


async def test_sleep_until_a_past_time_returns_at_once() -> None:
    real_sleep = FakeSleep()
    clock = SimClock(START, speed=1.0, monotonic=FakeMonotonic(), real_sleep=real_sleep)
    await clock.sleep_until(START - timedelta(days=1))
    assert real_sleep.waits == [0.0]  # still yields to the event loop, never waits


async def test_sleep_until_waits_the_simulated_remainder() -> None:
    real = FakeMonotonic()
    real_sleep = FakeSleep()
    clock = SimClock(START, speed=10.0, monotonic=real, real_sleep=real_sleep)
    real.now_s += 1.0  # 10 simulated seconds have passed
    await clock.sleep_until(START + timedelta(seconds=30))
    assert real_sleep.waits == [pytest.approx(2.0)]


def test_naive_start_time_is_refused() -> None:
    with pytest.raises(BleSimulatorError, match="timezone-aware"):
        SimClock(datetime(2026, 1, 1), speed=1.0)


def test_non_positive_speed_is_refused() -> None:
    with pytest.raises(BleSimulatorError, match="speed"):
        SimClock(START, speed=0.0)
