"""A participant's simulated wearables, built from their cohort spec.

One builder for everything that puts a virtual participant on air (the demo's homes,
the gateway benchmarks): the heart-rate strap replays the participant's heart model from
now on, and the CGM's session started ``history_s`` ago, so the gateway back-fills that
history over RACP at its first connection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from simulators.ble import CgmSensor, DeviceInfo, HeartRateSensor, SimClock
from simulators.ble.peripherals.cgm import DEFAULT_STORE_CAPACITY, READINGS_PER_DAY
from simulators.physiology import (
    GlucoseModel,
    HeartModel,
    ParticipantSpec,
    cgm_feed,
    first_reading_s,
    heart_feed,
)

#: Device Information of the simulated wearables (manufacturer, model, firmware).
MANUFACTURER = "wearmon sim"
HR_MODEL, CGM_MODEL, FIRMWARE = "HRM-1", "CGM-1", "1.0.0"


def heart_rate_sensor(
    spec: ParticipantSpec,
    *,
    clock: SimClock,
    sensor: type[HeartRateSensor] = HeartRateSensor,
    chunk_s: float = 3600.0,
    **options: Any,
) -> HeartRateSensor:
    """The participant's strap, beating from the clock's current time on.

    ``sensor`` may be a subclass (a benchmark's instrumented strap); ``options`` go to
    its constructor (``notify_period_s``, ``start_on_subscribe``, ...).
    """
    model = HeartModel(spec.heart, spec.seed)
    return sensor(
        heart_feed(model, clock.now().timestamp(), chunk_s=chunk_s),
        clock=clock,
        name=spec.hr_device.name,
        address=spec.hr_device.address,
        info=DeviceInfo(MANUFACTURER, HR_MODEL, spec.hr_device.serial, FIRMWARE),
        **options,
    )


def cgm_sensor(spec: ParticipantSpec, *, clock: SimClock, history_s: float) -> CgmSensor:
    """The participant's CGM, its session started ``history_s`` before the clock's now.

    Its record store holds the whole history (at least the sensor's default), so the
    first RACP back-fill recovers all of it.
    """
    model = GlucoseModel(spec.glucose, spec.seed)
    session_s = first_reading_s(model, clock.now().timestamp() - history_s)
    history_days = history_s / 86_400.0
    return CgmSensor(
        cgm_feed(model, session_s),
        clock=clock,
        session_start_utc=dt.datetime.fromtimestamp(session_s, dt.UTC),
        name=spec.cgm_device.name,
        address=spec.cgm_device.address,
        info=DeviceInfo(MANUFACTURER, CGM_MODEL, spec.cgm_device.serial, FIRMWARE),
        store_capacity=max(DEFAULT_STORE_CAPACITY, (int(history_days) + 2) * READINGS_PER_DAY),
    )
