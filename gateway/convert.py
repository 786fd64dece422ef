"""Decoded GATT values -> contract readings (pure: no I/O, no clock reads).

Rules (ingestion contract in the gateway brief):

- Heart Rate Measurement: one ``heart_rate`` reading per notification at its receive time;
  one ``rr_interval`` reading per RR interval, timed at the beat that ends it: the receive
  time minus the sum of the later intervals in the same notification (RR oldest first,
  HRS v1.0 3.1.1.5). ``no_contact`` when the sensor reports contact not detected.
- CGM Measurement: measured_at = session start + time offset minutes, so a re-sent
  back-fill maps to the same natural key; ``backfilled`` for records the RACP request
  recovered; SFLOAT +INF / -INF or the "above/below device range" annunciation become
  ``censored_high`` / ``censored_low`` with a null value; NaN, NRes and reserved values are
  dropped and counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.codecs.cgm_annunciation import CgmWarningOctet
from gateway.codecs.cgm_measurement import CgmMeasurement
from gateway.codecs.cgm_session import reading_time_utc
from gateway.codecs.heart_rate import HeartRateMeasurement, SensorContact
from gateway.codecs.sfloat import SfloatSpecial
from gateway.reading import Flag, Reading


def heart_rate_readings(
    device_id: str, received_at: dt.datetime, measurement: HeartRateMeasurement
) -> list[Reading]:
    """Readings of one Heart Rate Measurement notification.

    Parameters
    ----------
    device_id : str
    received_at : datetime.datetime
        Aware gateway time at which the notification arrived.
    measurement : HeartRateMeasurement
        The decoded notification.

    Returns
    -------
    list of Reading
        The ``heart_rate`` reading, then the ``rr_interval`` readings oldest first. A
        heart rate of 0 (sensors send it when they have no value) yields no HR reading.
    """
    flags: tuple[Flag, ...] = (
        ("no_contact",) if measurement.sensor_contact is SensorContact.NOT_DETECTED else ()
    )
    out = []
    if measurement.heart_rate_bpm > 0:
        out.append(
            Reading(device_id, "heart_rate", received_at, float(measurement.heart_rate_bpm), flags)
        )
    later_ms = 0.0
    rr_readings = []
    for rr_ms in reversed(measurement.rr_intervals_ms):
        beat_at = received_at - dt.timedelta(milliseconds=later_ms)
        rr_readings.append(Reading(device_id, "rr_interval", beat_at, rr_ms, flags))
        later_ms += rr_ms
    out.extend(reversed(rr_readings))
    return out


@dataclass(frozen=True, slots=True)
class CgmConversion:
    """Readings made from CGM records, and the records that carried no usable value."""

    readings: tuple[Reading, ...]
    dropped: int
    last_offset_min: int | None


def cgm_readings(
    device_id: str,
    session_start_utc: dt.datetime,
    records: Sequence[CgmMeasurement],
    *,
    backfilled: bool,
) -> CgmConversion:
    """Readings of decoded CGM records.

    Parameters
    ----------
    device_id : str
    session_start_utc : datetime.datetime
        Aware session start (CGM Session Start Time resolved to UTC).
    records : sequence of CgmMeasurement
    backfilled : bool
        True for records recovered by an RACP request rather than notified live.

    Returns
    -------
    CgmConversion
        Readings in record order, the count of records dropped for a non-number value,
        and the largest time offset seen (dropped records included: they are held too,
        in the sense that re-requesting them would not help).
    """
    readings = []
    dropped = 0
    for record in records:
        reading = _cgm_reading(device_id, session_start_utc, record, backfilled)
        if reading is None:
            dropped += 1
        else:
            readings.append(reading)
    offsets = [r.time_offset_min for r in records]
    return CgmConversion(tuple(readings), dropped, max(offsets) if offsets else None)


def _cgm_reading(
    device_id: str, start_utc: dt.datetime, record: CgmMeasurement, backfilled: bool
) -> Reading | None:
    measured_at = reading_time_utc(start_utc, record.time_offset_min)
    base: tuple[Flag, ...] = ("backfilled",) if backfilled else ()
    censor = _censoring(record)
    if censor is not None:
        return Reading(device_id, "glucose", measured_at, None, (*base, censor))
    if not record.glucose_mg_dl.is_finite:
        return None  # NaN, NRes or reserved: no value at all
    return Reading(device_id, "glucose", measured_at, record.glucose_mg_dl.value, base)


def _censoring(record: CgmMeasurement) -> Flag | None:
    special = record.glucose_mg_dl.special
    if special is SfloatSpecial.POSITIVE_INFINITY:
        return "censored_high"
    if special is SfloatSpecial.NEGATIVE_INFINITY:
        return "censored_low"
    warning = record.sensor_status.warning
    if warning is not None and CgmWarningOctet.ABOVE_DEVICE_RANGE in warning:
        return "censored_high"
    if warning is not None and CgmWarningOctet.BELOW_DEVICE_RANGE in warning:
        return "censored_low"
    return None
