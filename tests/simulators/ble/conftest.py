"""Fixtures for the simulated-BLE tests: a fast clock, a radio, and wearable factories."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta

import pytest

from simulators.ble.clock import SimClock
from simulators.ble.peripherals.cgm import CgmSensor
from simulators.ble.peripherals.common import DeviceInfo
from simulators.ble.peripherals.heart_rate import HeartRateSensor
from simulators.ble.radio import VirtualRadio, static_random_address

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
SPEED = 6000.0  # a 5-minute CGM interval takes 50 ms; a minute of beats 10 ms
HR_INFO = DeviceInfo("Acme Medical", "HR-100", "HR0001", "1.2.3")
CGM_INFO = DeviceInfo("Acme Medical", "CG-200", "CG0001", "4.5.6")


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START, speed=SPEED)


@pytest.fixture
async def radio() -> AsyncIterator[VirtualRadio]:
    async with VirtualRadio() as radio:
        yield radio


def heart_rate_sensor(clock: SimClock, beats: Iterable[tuple[float, int, bool]]) -> HeartRateSensor:
    return HeartRateSensor(
        beats,
        clock=clock,
        name="HRM-0001",
        address=static_random_address(1),
        info=HR_INFO,
        start_on_subscribe=True,  # exact notification counts
    )


def cgm_sensor(
    clock: SimClock,
    readings: Iterable[tuple[int, float, float | None, float | None]],
    session_start_utc: datetime = START - timedelta(hours=1),
    battery_percent: int = 100,
) -> CgmSensor:
    return CgmSensor(
        readings,
        clock=clock,
        session_start_utc=session_start_utc,
        battery_percent=battery_percent,
        name="CGM-0001",
        address=static_random_address(2),
        info=CGM_INFO,
    )


def readings(
    count: int, first_offset_min: int = 0
) -> list[tuple[int, float, float | None, float | None]]:
    """``count`` readings 5 minutes apart with distinct glucose values."""
    return [(first_offset_min + 5 * i, 100.0 + i, -0.5, 95.0) for i in range(count)]
