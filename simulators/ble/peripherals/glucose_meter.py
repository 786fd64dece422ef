"""A virtual blood-glucose meter: Glucose Service with RACP, Battery, DIS.

Feed protocol
-------------
The meter takes an iterable of results, each ``(measured_at_utc, glucose_mg_dl)``
(a :class:`MeterReading` or any 2-tuple, times timezone-aware and increasing). Each
result is taken when the simulated clock reaches its time, numbered with the next
sequence number and stored. Like spot meters, it never streams: a collector retrieves
results with RACP (filter 0x01, sequence number), one Glucose Measurement notification
per record (records carry no size field, so they cannot share a notification), then
the RACP response indication. The Base Time field is the meter's wall clock: UTC plus
``utc_offset_min`` (Asia/Seoul by default), as a user sets a meter.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple, Unpack

from bumble import gatt
from bumble.core import UUID

from simulators.ble.encoding import SfloatSpecial
from simulators.ble.gls_encoding import (
    GLS_FEATURE_LOW_BATTERY,
    GLS_FEATURE_SENSOR_MALFUNCTION,
    GLS_STATUS_BATTERY_LOW,
    GlucoseMeterRecord,
    encode_glucose_feature,
    encode_glucose_measurement,
)
from simulators.ble.peripherals.common import (
    VirtualWearable,
    WearableOptions,
    characteristic,
)
from simulators.ble.peripherals.racp_server import RacpServer
from simulators.ble.racp import select_records

GLUCOSE_SERVICE_UUID = 0x1808
GLUCOSE_MEASUREMENT_UUID = 0x2A18
GLUCOSE_FEATURE_UUID = 0x2A51
SEOUL_UTC_OFFSET_MIN = 9 * 60  # Asia/Seoul, no daylight saving time
METER_MEMORY = 720  # results kept, as in the Accu-Chek Guide meter's memory
LOW_BATTERY_PERCENT = 10  # below this results carry "device battery low"
METER_RANGE_MG_DL = (10.0, 600.0)  # measuring range of the Accu-Chek Guide meter
SEQUENCE_NUMBER_MODULUS = 0x10000  # uint16 sequence numbers wrap


class MeterReading(NamedTuple):
    """One result from the glucose feed."""

    measured_at_utc: datetime
    glucose_mg_dl: float


class GlucoseMeter(VirtualWearable):
    """A virtual glucose meter driven by a result feed (see the module docstring).

    Parameters
    ----------
    readings : iterable of (measured_at_utc, glucose_mg_dl)
        The results, in time order.
    clock : SimClock
        Simulated time.
    name, address, info, battery_percent, advertising_interval_ms
        See :class:`VirtualWearable`.
    utc_offset_min : int
        Offset of the meter's wall clock from UTC.
    memory : int
        Results kept (oldest dropped first).
    """

    def __init__(
        self,
        readings: Iterable[tuple[datetime, float]],
        *,
        utc_offset_min: int = SEOUL_UTC_OFFSET_MIN,
        memory: int = METER_MEMORY,
        **options: Unpack[WearableOptions],
    ) -> None:
        super().__init__(**options)
        self._readings = readings
        self._utc_offset = timedelta(minutes=utc_offset_min)
        self._store: collections.deque[GlucoseMeterRecord] = collections.deque(maxlen=memory)
        self._next_sequence_number = 0
        self.measurement = characteristic(GLUCOSE_MEASUREMENT_UUID, "NOTIFY", b"")
        self._racp = RacpServer(
            self,
            self.measurement,
            lambda request: select_records(self._store, request, _sequence_number),
            encode_glucose_measurement,
            pack=False,
        )

    @property
    def advertised_service_uuids(self) -> tuple[int, ...]:
        """Glucose Service."""
        return (GLUCOSE_SERVICE_UUID,)

    @property
    def records(self) -> tuple[GlucoseMeterRecord, ...]:
        """Stored results, oldest first."""
        return tuple(self._store)

    def build_services(self) -> list[gatt.Service]:
        """Glucose Service: measurement (notify), feature (read) and RACP."""
        features = GLS_FEATURE_LOW_BATTERY | GLS_FEATURE_SENSOR_MALFUNCTION
        feature = characteristic(GLUCOSE_FEATURE_UUID, "READ", encode_glucose_feature(features))
        chars = [self.measurement, feature, self._racp.characteristic]
        return [gatt.Service(UUID.from_16_bits(GLUCOSE_SERVICE_UUID), chars)]

    async def run(self) -> None:
        """Take each result at its time and store it."""
        for measured_at_utc, glucose_mg_dl in self._readings:
            await self.clock.sleep_until(measured_at_utc)
            self._store.append(self._measure(measured_at_utc, glucose_mg_dl))

    def _measure(self, measured_at_utc: datetime, glucose_mg_dl: float) -> GlucoseMeterRecord:
        sequence_number = self._next_sequence_number
        self._next_sequence_number = (sequence_number + 1) % SEQUENCE_NUMBER_MODULUS
        local = (measured_at_utc + self._utc_offset).replace(tzinfo=None)
        low_battery = self.battery_percent < LOW_BATTERY_PERCENT
        return GlucoseMeterRecord(
            sequence_number,
            local,
            meter_value(glucose_mg_dl),
            status=GLS_STATUS_BATTERY_LOW if low_battery else 0,
        )


def meter_value(glucose_mg_dl: float) -> float | SfloatSpecial:
    """What a meter reports: whole mg/dL, NaN when it failed, ±INF for its "HI"/"LO"."""
    low, high = METER_RANGE_MG_DL
    if math.isnan(glucose_mg_dl):
        return SfloatSpecial.NAN
    if glucose_mg_dl > high:
        return SfloatSpecial.POSITIVE_INFINITY
    if glucose_mg_dl < low:
        return SfloatSpecial.NEGATIVE_INFINITY
    return round(glucose_mg_dl)


def _sequence_number(record: GlucoseMeterRecord) -> int:
    return record.sequence_number
