"""Decoded GATT values -> readings: beat timing, flags, censoring, drops."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.codecs.cgm_annunciation import CgmSensorStatus, CgmWarningOctet
from gateway.codecs.cgm_measurement import CgmMeasurement
from gateway.codecs.heart_rate import HeartRateMeasurement, SensorContact
from gateway.codecs.sfloat import SfloatSpecial, sfloat_from_float, sfloat_special
from gateway.convert import cgm_readings, heart_rate_readings
from gateway.reading import Reading
from tests.gateway.conftest import DEVICE_CGM, DEVICE_HR, T0

pytestmark = pytest.mark.timeout(5)


def hrm(
    bpm: int, rr_ms: tuple[float, ...] = (), contact: SensorContact = SensorContact.DETECTED
) -> HeartRateMeasurement:
    return HeartRateMeasurement(bpm, contact, None, (), rr_ms)


def test_rr_intervals_are_timed_at_the_beat_that_ends_them() -> None:
    readings = heart_rate_readings(DEVICE_HR, T0, hrm(70, (800.0, 900.0, 1000.0)))
    rr = [r for r in readings if r.metric == "rr_interval"]
    assert [(r.value, r.measured_at) for r in rr] == [
        (800.0, T0 - dt.timedelta(milliseconds=1900)),
        (900.0, T0 - dt.timedelta(milliseconds=1000)),
        (1000.0, T0),
    ]


def test_one_heart_rate_reading_per_notification_at_receive_time() -> None:
    readings = heart_rate_readings(DEVICE_HR, T0, hrm(70, (800.0,)))
    assert readings[0] == Reading(DEVICE_HR, "heart_rate", T0, 70.0)


def test_zero_heart_rate_yields_no_heart_rate_reading() -> None:
    readings = heart_rate_readings(DEVICE_HR, T0, hrm(0, (800.0,)))
    assert [r.metric for r in readings] == ["rr_interval"]


def test_no_contact_flags_every_reading_of_the_notification() -> None:
    readings = heart_rate_readings(
        DEVICE_HR, T0, hrm(70, (800.0,), contact=SensorContact.NOT_DETECTED)
    )
    assert [r.flags for r in readings] == [("no_contact",), ("no_contact",)]


def test_unsupported_contact_is_not_flagged() -> None:
    readings = heart_rate_readings(DEVICE_HR, T0, hrm(70, contact=SensorContact.UNSUPPORTED))
    assert readings[0].flags == ()


def cgm(offset_min: int, mg_dl: float | SfloatSpecial, **kw: object) -> CgmMeasurement:
    value = sfloat_special(mg_dl) if isinstance(mg_dl, SfloatSpecial) else sfloat_from_float(mg_dl)
    return CgmMeasurement(value, offset_min, **kw)  # type: ignore[arg-type]


def test_cgm_time_is_session_start_plus_offset() -> None:
    conv = cgm_readings(DEVICE_CGM, T0, [cgm(125, 101.0)], backfilled=False)
    assert conv.readings == (Reading(DEVICE_CGM, "glucose", T0 + dt.timedelta(minutes=125), 101.0),)


def test_backfilled_records_are_flagged() -> None:
    conv = cgm_readings(DEVICE_CGM, T0, [cgm(5, 101.0)], backfilled=True)
    assert conv.readings[0].flags == ("backfilled",)


@pytest.mark.parametrize(
    ("value", "warning", "flag"),
    [
        (SfloatSpecial.POSITIVE_INFINITY, None, "censored_high"),
        (SfloatSpecial.NEGATIVE_INFINITY, None, "censored_low"),
        (410.0, CgmWarningOctet.ABOVE_DEVICE_RANGE, "censored_high"),
        (38.0, CgmWarningOctet.BELOW_DEVICE_RANGE, "censored_low"),
    ],
)
def test_out_of_range_values_are_censored_with_null_value(
    value: float | SfloatSpecial, warning: CgmWarningOctet | None, flag: str
) -> None:
    status = CgmSensorStatus(warning=warning)
    conv = cgm_readings(DEVICE_CGM, T0, [cgm(0, value, sensor_status=status)], backfilled=False)
    assert (conv.readings[0].value, conv.readings[0].flags) == (None, (flag,))


def test_patient_low_warning_is_not_censoring() -> None:
    status = CgmSensorStatus(warning=CgmWarningOctet.BELOW_PATIENT_LOW)
    conv = cgm_readings(DEVICE_CGM, T0, [cgm(0, 65.0, sensor_status=status)], backfilled=False)
    assert conv.readings[0].value == 65.0


@pytest.mark.parametrize("special", [SfloatSpecial.NAN, SfloatSpecial.NRES, SfloatSpecial.RESERVED])
def test_non_numbers_are_dropped_and_counted(special: SfloatSpecial) -> None:
    conv = cgm_readings(DEVICE_CGM, T0, [cgm(0, special), cgm(5, 90.0)], backfilled=False)
    assert (len(conv.readings), conv.dropped, conv.last_offset_min) == (1, 1, 5)


def test_empty_record_list_has_no_offset() -> None:
    assert cgm_readings(DEVICE_CGM, T0, [], backfilled=True).last_offset_min is None
