"""A virtual heart-rate strap: Heart Rate Service with RR intervals, Battery, DIS.

Feed protocol
-------------
The sensor takes an iterable of beats, each ``(rr_ms, hr_bpm, contact)`` (a
:class:`Beat` or any 3-tuple): the interval ending at that beat in milliseconds, the
heart rate the sensor displays, and whether the electrodes touch the skin. Beats are
consumed in order; when the iterable ends the sensor stops notifying.

Like common chest straps, it notifies once per ``notify_period_s`` of simulated time
with every RR interval that ended in that period (none when the heart beats slower
than once per period, several when faster). RR intervals that do not fit one
notification at the current ATT MTU carry over, in order, to an extra notification
sent straight after. Beats that occur while nobody is subscribed are lost, as on a
real strap.

Beat time is locked to the simulated clock: the feed's first beat ends one interval
after the sensor starts (``measurement_started_utc``, when it is added to a radio) so
a physiology model indexed by absolute time lines up with the clock. With
``start_on_subscribe=True`` the sensor instead starts at the first subscription, which
gives tests an exact count of notifications.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Unpack

from bumble import gatt
from bumble.core import UUID

from simulators.ble.encoding import (
    encode_heart_rate_measurement,
    hrm_max_rr_count,
    rr_ms_to_1024,
)
from simulators.ble.peripherals.common import VirtualWearable, WearableOptions, readable

HEART_RATE_SERVICE_UUID = 0x180D
HEART_RATE_MEASUREMENT_UUID = 0x2A37
BODY_SENSOR_LOCATION_UUID = 0x2A38
DEFAULT_NOTIFY_PERIOD_S = 1.0  # HRS 1.0 3.1.1: measurements are typically sent once a second


class BodySensorLocation(enum.IntEnum):
    """Body Sensor Location values (HRS 1.0 section 3.2)."""

    OTHER = 0
    CHEST = 1
    WRIST = 2
    FINGER = 3
    HAND = 4
    EAR_LOBE = 5
    FOOT = 6


class Beat(NamedTuple):
    """One heartbeat from the physiology feed."""

    rr_ms: float
    hr_bpm: int
    contact: bool


@dataclass(frozen=True)
class HeartRateReport:
    """What one measurement period yields: the HR shown and the RR intervals that ended."""

    hr_bpm: int
    contact: bool
    rr_1024: tuple[int, ...]


def group_beats(
    beats: Iterable[tuple[float, int, bool]], period_s: float
) -> Iterator[HeartRateReport]:
    """Group beats into one report per ``period_s`` of beat time (pure).

    A beat belongs to the period in which its interval ends. Periods without a beat
    repeat the last heart rate with no RR interval (none are reported before the first
    beat). The last, partial period is reported too.
    """
    period_end_s = period_s
    elapsed_s = 0.0
    hr_bpm, contact = 0, False
    pending: list[int] = []
    for rr_ms, beat_hr_bpm, beat_contact in beats:
        elapsed_s += rr_ms / 1000.0
        while elapsed_s > period_end_s:
            if pending or hr_bpm:  # nothing to report before the first beat
                yield HeartRateReport(hr_bpm, contact, tuple(pending))
            pending = []
            period_end_s += period_s
        pending.append(rr_ms_to_1024(rr_ms))
        hr_bpm, contact = beat_hr_bpm, beat_contact
    if pending:
        yield HeartRateReport(hr_bpm, contact, tuple(pending))


def encode_report(report: HeartRateReport, att_mtu: int) -> list[bytes]:
    """Encode a report as one or more HRM values that each fit ``att_mtu``."""
    per_value = hrm_max_rr_count(att_mtu, report.hr_bpm)
    chunks = [
        report.rr_1024[i : i + per_value] for i in range(0, len(report.rr_1024), per_value)
    ] or [()]
    return [encode_heart_rate_measurement(report.hr_bpm, report.contact, chunk) for chunk in chunks]


class HeartRateSensor(VirtualWearable):
    """A virtual heart-rate sensor driven by a beat feed (see the module docstring).

    Parameters
    ----------
    beats : iterable of (rr_ms, hr_bpm, contact)
        The physiology feed.
    clock : SimClock
        Paces notifications (``clock.speed`` times faster than real time).
    name, address, info, battery_percent, advertising_interval_ms
        See :class:`VirtualWearable`.
    location : BodySensorLocation
        Body Sensor Location value.
    notify_period_s : float
        Simulated seconds between notifications.
    start_on_subscribe : bool
        Start measuring at the first subscription instead of at once.
    """

    def __init__(
        self,
        beats: Iterable[tuple[float, int, bool]],
        *,
        location: BodySensorLocation = BodySensorLocation.CHEST,
        notify_period_s: float = DEFAULT_NOTIFY_PERIOD_S,
        start_on_subscribe: bool = False,
        **options: Unpack[WearableOptions],
    ) -> None:
        super().__init__(**options)
        self._beats = beats
        self._location = location
        self._period_s = notify_period_s
        self._start_on_subscribe = start_on_subscribe
        self.measurement_started_utc: datetime | None = None
        self.notifications_sent = 0
        self.measurement = gatt.Characteristic(
            UUID.from_16_bits(HEART_RATE_MEASUREMENT_UUID),
            gatt.Characteristic.Properties.NOTIFY,
            gatt.Characteristic.Permissions(0),
            b"",
        )

    @property
    def advertised_service_uuids(self) -> tuple[int, ...]:
        """Heart Rate Service."""
        return (HEART_RATE_SERVICE_UUID,)

    def build_services(self) -> list[gatt.Service]:
        """Heart Rate Service: measurement (notify) and body sensor location (read)."""
        location = readable(BODY_SENSOR_LOCATION_UUID, bytes([self._location]))
        return [
            gatt.Service(UUID.from_16_bits(HEART_RATE_SERVICE_UUID), [self.measurement, location])
        ]

    async def run(self) -> None:
        """Notify one report per period until the beat feed ends."""
        if self._start_on_subscribe:
            await self.wait_for_subscriber(self.measurement)
        started = self.measurement_started_utc = self.clock.now()
        for index, report in enumerate(group_beats(self._beats, self._period_s), start=1):
            # An absolute schedule, so processing time never accumulates as drift.
            await self.clock.sleep_until(started + timedelta(seconds=index * self._period_s))
            await self._notify(report)

    async def _notify(self, report: HeartRateReport) -> None:
        for connection in self.connections:
            if not self.is_subscribed(self.measurement, connection, indicate=False):
                continue
            for value in encode_report(report, connection.att_mtu):
                await self.device.notify_subscriber(connection, self.measurement, value)
                self.notifications_sent += 1
