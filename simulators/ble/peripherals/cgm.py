"""A virtual continuous glucose monitor: CGM Service with RACP back-fill, Battery, DIS.

Feed protocol
-------------
The sensor takes an iterable of readings, each ``(offset_min, glucose_mg_dl,
trend_mg_dl_min, quality_pct)`` (a :class:`GlucoseReading` or any 4-tuple): minutes
since the session start, the glucose value (``nan`` when the sensor cannot compute
one), and the optional trend and quality (``None`` to leave them out). Offsets must
increase; real sensors measure every 5 minutes.

The sensor measures whether or not a gateway listens: each reading is taken when the
simulated clock reaches ``session_start + offset`` (at once for readings already in
the past, so a session started days ago arrives with its history stored), appended to a
bounded store, and notified live to subscribed gateways. A gateway that was away
recovers the gap with RACP "report stored records", answered with several records per
notification (as many as the ATT MTU allows) and then the RACP response indication
(see :mod:`simulators.ble.peripherals.racp_server`).

Session Start Time reads as the constructor's ``session_start_utc`` in the sensor's
time zone. A collector may write it (with a valid E2E-CRC); that changes what the
sensor reports, not when it measures, since a sensor has no real-time clock of its own.
"""

from __future__ import annotations

import collections
import logging
import math
import struct
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple, Unpack

from bumble import att, gatt
from bumble.core import UUID
from bumble.device import Connection

from simulators.ble.cgm_encoding import (
    ANNUNCIATION_ABOVE_DEVICE_RANGE,
    ANNUNCIATION_BATTERY_LOW,
    ANNUNCIATION_BELOW_DEVICE_RANGE,
    CGM_FEATURE_E2E_CRC,
    CGM_FEATURE_HYPER_ALERTS,
    CGM_FEATURE_HYPO_ALERTS,
    CGM_FEATURE_LOW_BATTERY_DETECTION,
    CGM_FEATURE_QUALITY,
    CGM_FEATURE_TREND,
    CgmRecord,
    SessionStartTime,
    corrupt_crc,
    decode_session_start_time,
    encode_cgm_feature,
    encode_cgm_record,
    encode_cgm_status,
    encode_session_run_time,
    encode_session_start_time,
)
from simulators.ble.encoding import (
    SfloatSpecial,
    crc16_mcrf4xx,
)
from simulators.ble.errors import BleSimulatorError, EncodingError
from simulators.ble.peripherals.common import (
    LinkLostError,
    VirtualWearable,
    WearableOptions,
    characteristic,
)
from simulators.ble.peripherals.racp_server import RacpServer
from simulators.ble.racp import select_records

log = logging.getLogger(__name__)

CGM_SERVICE_UUID = 0x181F
CGM_MEASUREMENT_UUID = 0x2AA7
CGM_FEATURE_UUID = 0x2AA8
CGM_STATUS_UUID = 0x2AA9
CGM_SESSION_START_TIME_UUID = 0x2AAA
CGM_SESSION_RUN_TIME_UUID = 0x2AAB

DEFAULT_FEATURES = (
    CGM_FEATURE_E2E_CRC
    | CGM_FEATURE_TREND
    | CGM_FEATURE_QUALITY
    | CGM_FEATURE_LOW_BATTERY_DETECTION
    | CGM_FEATURE_HYPO_ALERTS
    | CGM_FEATURE_HYPER_ALERTS
)
READINGS_PER_DAY = 288  # one reading every 5 minutes
STORE_DAYS = 14  # sensor wear period of common CGMs (FreeStyle Libre 2, Dexcom G7 ~10-15 d)
DEFAULT_STORE_CAPACITY = STORE_DAYS * READINGS_PER_DAY
DEVICE_RANGE_MG_DL = (40.0, 400.0)  # reporting range of Dexcom G6/G7 and Libre 2 sensors
MAX_TIME_OFFSET_MIN = 0xFFFF  # uint16 Time Offset field: a session cannot run longer
LOW_BATTERY_PERCENT = 10  # below this the status octet flags "device battery low"
# CGMS 1.0.1 section 1.6 application error codes, and Core ATT error codes.
ATT_ERROR_MISSING_CRC = 0x80
ATT_ERROR_INVALID_CRC = 0x81
ATT_ERROR_VALUE_NOT_ALLOWED = 0x13
_SST_SIZE = 9


class GlucoseReading(NamedTuple):
    """One reading from the glucose physiology feed."""

    offset_min: int
    glucose_mg_dl: float
    trend_mg_dl_min: float | None = None
    quality_pct: float | None = None


def glucose_for_range(glucose_mg_dl: float) -> tuple[float | SfloatSpecial, int]:
    """Map a reading outside the device range to ±INF plus its annunciation bit."""
    low, high = DEVICE_RANGE_MG_DL
    if math.isnan(glucose_mg_dl):
        return SfloatSpecial.NAN, 0
    if glucose_mg_dl > high:
        return SfloatSpecial.POSITIVE_INFINITY, ANNUNCIATION_ABOVE_DEVICE_RANGE
    if glucose_mg_dl < low:
        return SfloatSpecial.NEGATIVE_INFINITY, ANNUNCIATION_BELOW_DEVICE_RANGE
    return round(glucose_mg_dl), 0  # CGMs report whole mg/dL


class CgmSensor(VirtualWearable):
    """A virtual CGM driven by a reading feed (see the module docstring).

    Parameters
    ----------
    readings : iterable of (offset_min, glucose_mg_dl, trend_mg_dl_min, quality_pct)
        The physiology feed.
    clock : SimClock
        Simulated time; readings are taken at ``session_start_utc + offset_min``.
    session_start_utc : datetime
        Absolute session start (timezone-aware); may lie days in the past.
    name, address, info, battery_percent, advertising_interval_ms
        See :class:`VirtualWearable`.
    time_zone_quarters : int
        Time zone the sensor reports in Session Start Time (36 = UTC+9, Seoul).
    features : int
        CGM Feature bits; E2E-CRC (bit 12) adds a CRC to every record.
    store_capacity : int
        Records kept for back-fill (oldest dropped first).
    """

    def __init__(
        self,
        readings: Iterable[tuple[int, float, float | None, float | None]],
        *,
        session_start_utc: datetime,
        time_zone_quarters: int = 36,
        features: int = DEFAULT_FEATURES,
        store_capacity: int = DEFAULT_STORE_CAPACITY,
        **options: Unpack[WearableOptions],
    ) -> None:
        super().__init__(**options)
        self._readings = readings
        if session_start_utc.tzinfo is None:
            raise BleSimulatorError("expected a timezone-aware session start; found a naive one")
        # The sensor has no real-time clock: readings are paced from the true start, while
        # Session Start Time is only what the sensor reports (and a collector may rewrite).
        self._true_start_utc = session_start_utc
        self.session_start = SessionStartTime(session_start_utc, time_zone_quarters)
        self.features = features
        self._store: collections.deque[CgmRecord] = collections.deque(maxlen=store_capacity)
        self._corrupt_crc_remaining = 0
        self._forced_specials: collections.deque[SfloatSpecial] = collections.deque()
        self._forced_annunciations: collections.deque[int] = collections.deque()
        self.live_records_notified = 0
        self.measurement = characteristic(CGM_MEASUREMENT_UUID, "NOTIFY", b"")
        self._racp = RacpServer(
            self,
            self.measurement,
            lambda request: select_records(self._store, request, _time_offset_min),
            self._encode_for_tx,
            pack=True,
        )

    # --- GATT database ----------------------------------------------------------------
    @property
    def advertised_service_uuids(self) -> tuple[int, ...]:
        """CGM Service."""
        return (CGM_SERVICE_UUID,)

    def build_services(self) -> list[gatt.Service]:
        """CGM Service: measurement, feature, status, session start/run time and RACP."""
        feature = characteristic(CGM_FEATURE_UUID, "READ", encode_cgm_feature(self.features))
        start_time = characteristic(
            CGM_SESSION_START_TIME_UUID,
            "READ|WRITE",
            gatt.CharacteristicValue(read=self._read_start_time, write=self._write_start_time),
        )
        status = characteristic(
            CGM_STATUS_UUID, "READ", gatt.CharacteristicValue(read=self._read_status)
        )
        run_time = characteristic(
            CGM_SESSION_RUN_TIME_UUID,
            "READ",
            encode_session_run_time(STORE_DAYS * 24, with_crc=self.crc_enabled),
        )
        chars = [self.measurement, feature, status, start_time, run_time, self._racp.characteristic]
        return [gatt.Service(UUID.from_16_bits(CGM_SERVICE_UUID), chars)]

    @property
    def crc_enabled(self) -> bool:
        """Whether records and Session Start Time carry an E2E-CRC (feature bit 12)."""
        return bool(self.features & CGM_FEATURE_E2E_CRC)

    @property
    def records(self) -> tuple[CgmRecord, ...]:
        """Stored records, oldest first."""
        return tuple(self._store)

    # --- faults -----------------------------------------------------------------------
    def corrupt_next_crc(self, count: int = 1) -> None:
        """Fault: the next ``count`` transmitted records carry a wrong E2E-CRC."""
        self._corrupt_crc_remaining += count

    def force_next_glucose(self, special: SfloatSpecial, count: int = 1) -> None:
        """Fault: the next ``count`` measured records carry ``special`` (e.g. NRES)."""
        self._forced_specials.extend([special] * count)

    def flag_next_annunciation(self, bits: int, count: int = 1) -> None:
        """Fault: OR ``bits`` (24-bit annunciation) into the next ``count`` records."""
        self._forced_annunciations.extend([bits] * count)

    # --- measurement ------------------------------------------------------------------
    async def run(self) -> None:
        """Take each reading at its time, store it and notify it live."""
        for reading in self._readings:
            offset_min = int(reading[0])
            if offset_min > MAX_TIME_OFFSET_MIN:
                log.warning("%s: session expired at offset %d min; stops", self.name, offset_min)
                return
            taken_at = self._true_start_utc + timedelta(minutes=offset_min)
            await self.clock.sleep_until(taken_at)
            record = self._measure(GlucoseReading(*reading))
            self._store.append(record)
            await self._notify_live(record)

    def _measure(self, reading: GlucoseReading) -> CgmRecord:
        glucose, annunciation = glucose_for_range(reading.glucose_mg_dl)
        if self._forced_specials:
            glucose = self._forced_specials.popleft()
        if self._forced_annunciations:
            annunciation |= self._forced_annunciations.popleft()
        if self.battery_percent < LOW_BATTERY_PERCENT:
            annunciation |= ANNUNCIATION_BATTERY_LOW
        return CgmRecord(
            reading.offset_min,
            glucose,
            reading.trend_mg_dl_min if self.features & CGM_FEATURE_TREND else None,
            reading.quality_pct if self.features & CGM_FEATURE_QUALITY else None,
            annunciation,
        )

    def _encode_for_tx(self, record: CgmRecord) -> bytes:
        encoded = encode_cgm_record(record, with_crc=self.crc_enabled)
        if self._corrupt_crc_remaining and self.crc_enabled:
            self._corrupt_crc_remaining -= 1
            return corrupt_crc(encoded)
        return encoded

    async def _notify_live(self, record: CgmRecord) -> None:
        for connection in self.connections:
            if not self.is_subscribed(self.measurement, connection, indicate=False):
                continue
            try:
                await self.notify_connection(
                    connection, self.measurement, self._encode_for_tx(record)
                )
            except LinkLostError:
                continue  # the record stays stored; RACP recovers it
            self.live_records_notified += 1

    # --- CGM Status and Session Start Time -------------------------------------------
    def _read_status(self, _connection: Connection) -> bytes:
        latest = self._store[-1] if self._store else CgmRecord(0, SfloatSpecial.NAN)
        return encode_cgm_status(
            latest.time_offset_min, latest.annunciation, with_crc=self.crc_enabled
        )

    def _read_start_time(self, _connection: Connection) -> bytes:
        return encode_session_start_time(self.session_start, with_crc=self.crc_enabled)

    def _write_start_time(self, _connection: Connection, value: bytes) -> None:
        if self.crc_enabled:
            if len(value) != _SST_SIZE + 2:
                raise att.ATT_Error(ATT_ERROR_MISSING_CRC)
            if crc16_mcrf4xx(value[:_SST_SIZE]) != struct.unpack("<H", value[_SST_SIZE:])[0]:
                raise att.ATT_Error(ATT_ERROR_INVALID_CRC)
        try:
            self.session_start = decode_session_start_time(value, crc_required=False)
        except EncodingError as exc:
            raise att.ATT_Error(ATT_ERROR_VALUE_NOT_ALLOWED) from exc


def _time_offset_min(record: CgmRecord) -> int:
    return record.time_offset_min
