"""Glucose Measurement 0x2A18."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.date_time import DeviceDateTime
from gateway.codecs.glucose import (
    GlucoseConcentration,
    GlucoseMeasurement,
    GlucoseSensorStatus,
    GlucoseUnits,
    decode_glucose_measurement,
    encode_glucose_measurement,
)
from gateway.codecs.sample import LOCATION_FINGER, TYPE_CAPILLARY_WHOLE_BLOOD
from gateway.codecs.sfloat import Sfloat, decode_sfloat
from gateway.errors import CodecError

BASE_TIME = DeviceDateTime(2026, 11, 22, 8, 0, 0)

# flags 0x0B: time offset + concentration (kg/L) + status; sequence 1; base time
# 2026-11-22 08:00:00; time offset -5 min; 0xC00C = 12e-4 kg/L (120 mg/dL);
# type 1 / location 1 -> 0x11; status 0x0001 (battery low).
FULL = bytes.fromhex("0b 0100 ea070b16080000 fbff 0cc0 11 0100")


def test_decode_full_glucose_measurement() -> None:
    assert decode_glucose_measurement(FULL) == GlucoseMeasurement(
        sequence_number=1,
        base_time=BASE_TIME,
        time_offset_min=-5,
        concentration=GlucoseConcentration(
            value=Sfloat(12, -4),
            units=GlucoseUnits.KG_PER_L,
            fluid_type=TYPE_CAPILLARY_WHOLE_BLOOD,
            sample_location=LOCATION_FINGER,
        ),
        sensor_status=GlucoseSensorStatus.DEVICE_BATTERY_LOW,
    )


def test_kg_per_l_converts_to_mg_dl() -> None:
    concentration = decode_glucose_measurement(FULL).concentration
    assert concentration is not None
    assert concentration.mg_dl == pytest.approx(120.0)
    assert concentration.mmol_l is None


def test_mol_per_l_converts_to_mmol_l() -> None:
    # flags 0x06: concentration in mol/L; 0xC043 = 67e-4 mol/L = 6.7 mmol/L
    data = bytes.fromhex("06 0200 ea070b16080000 43c0 11")
    concentration = decode_glucose_measurement(data).concentration
    assert concentration is not None
    assert concentration.units is GlucoseUnits.MOL_PER_L
    assert concentration.mmol_l == pytest.approx(6.7)
    assert concentration.mg_dl is None


def test_minimal_measurement_has_only_sequence_and_base_time() -> None:
    data = bytes.fromhex("00 0300 ea070b16080000")
    assert decode_glucose_measurement(data) == GlucoseMeasurement(3, BASE_TIME)


def test_context_follows_flag_is_reported() -> None:
    data = bytes.fromhex("10 0300 ea070b16080000")
    assert decode_glucose_measurement(data).context_follows


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (FULL[:-1], "sensor status"),
        (FULL + b"\x00", "1 trailing byte"),
        (bytes.fromhex("00 0300 ea070b1608"), "date time"),
        (bytes.fromhex("00 0300 ea070b16083c00"), "minute 0-59, found 60"),
    ],
)
def test_malformed_measurement_raises(data: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_glucose_measurement(data)


measurements = st.builds(
    GlucoseMeasurement,
    sequence_number=st.integers(0, 0xFFFF),
    base_time=st.builds(
        DeviceDateTime,
        st.integers(1582, 9999),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
    ),
    time_offset_min=st.none() | st.integers(-0x8000, 0x7FFF),
    concentration=st.none()
    | st.builds(
        GlucoseConcentration,
        value=st.integers(0, 0xFFFF).map(decode_sfloat),
        units=st.sampled_from(GlucoseUnits),
        fluid_type=st.integers(0, 15),
        sample_location=st.integers(0, 15),
    ),
    sensor_status=st.none() | st.integers(0, 0xFFFF).map(GlucoseSensorStatus),
    context_follows=st.booleans(),
)


@settings(derandomize=True, max_examples=200, print_blob=True)
@given(measurements)
def test_encode_then_decode_round_trips(record: GlucoseMeasurement) -> None:
    assert decode_glucose_measurement(encode_glucose_measurement(record)) == record
