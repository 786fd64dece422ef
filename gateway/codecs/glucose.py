"""Glucose Service 0x1808: Glucose Measurement 0x2A18 (spot meters, stored records).

Layout (GLS v1.0, 3.106 / GSS "Glucose Measurement"; docs/ble.md): flags uint8,
sequence number uint16, base time (7-byte Date Time), time offset sint16 minutes (flag
bit0), concentration SFLOAT + Type-Sample Location octet (bit1; units kg/L or mol/L by
bit2), sensor status annunciation uint16 (bit3). Bit4 says a Glucose Measurement Context
notification follows; it does not change this value's layout.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gateway.codecs._cursor import ByteCursor, ByteData, as_bytes
from gateway.codecs.date_time import DeviceDateTime, pack_date_time, read_date_time
from gateway.codecs.sample import join_type_location, split_type_location
from gateway.codecs.sfloat import Sfloat, encode_sfloat

_WHAT = "glucose measurement"
_FLAG_TIME_OFFSET = 0x01  # bit0: time offset present
_FLAG_CONCENTRATION = 0x02  # bit1: concentration + type/sample location present
_FLAG_UNITS_MOL_L = 0x04  # bit2: units 1 = mol/L, 0 = kg/L
_FLAG_STATUS = 0x08  # bit3: sensor status annunciation present
_FLAG_CONTEXT_FOLLOWS = 0x10  # bit4: a context characteristic notification follows

MG_DL_PER_KG_L = 100_000  # 1 kg/L = 1e6 mg / 10 dL (docs/ble.md)
MMOL_L_PER_MOL_L = 1_000  # docs/ble.md


class GlucoseUnits(enum.Enum):
    """Concentration units the meter used (flags bit2)."""

    KG_PER_L = "kg/L"
    MOL_PER_L = "mol/L"


class GlucoseSensorStatus(enum.IntFlag):
    """Sensor Status Annunciation bits (GLS v1.0, 3.106.3; bits 12-15 reserved)."""

    DEVICE_BATTERY_LOW = 1 << 0
    SENSOR_MALFUNCTION = 1 << 1
    SAMPLE_SIZE_INSUFFICIENT = 1 << 2
    STRIP_INSERTION_ERROR = 1 << 3
    STRIP_TYPE_INCORRECT = 1 << 4
    RESULT_TOO_HIGH = 1 << 5
    RESULT_TOO_LOW = 1 << 6
    TEMPERATURE_TOO_HIGH = 1 << 7
    TEMPERATURE_TOO_LOW = 1 << 8
    READ_INTERRUPTED = 1 << 9
    GENERAL_DEVICE_FAULT = 1 << 10
    TIME_FAULT = 1 << 11


@dataclass(frozen=True, slots=True)
class GlucoseConcentration:
    """The concentration as sent, with its units and sample description."""

    value: Sfloat
    units: GlucoseUnits
    fluid_type: int
    sample_location: int

    @property
    def mg_dl(self) -> float | None:
        """mg/dL for a kg/L reading (x 100000), None for a mol/L reading."""
        if self.units is GlucoseUnits.KG_PER_L:
            return self.value.value * MG_DL_PER_KG_L
        return None

    @property
    def mmol_l(self) -> float | None:
        """mmol/L for a mol/L reading (x 1000), None for a kg/L reading."""
        if self.units is GlucoseUnits.MOL_PER_L:
            return self.value.value * MMOL_L_PER_MOL_L
        return None


@dataclass(frozen=True, slots=True)
class GlucoseMeasurement:
    """One Glucose Measurement record.

    ``base_time`` is the meter's local wall clock; the reading time is base time plus
    ``time_offset_min`` (0 when absent).
    """

    sequence_number: int
    base_time: DeviceDateTime
    time_offset_min: int | None = None
    concentration: GlucoseConcentration | None = None
    sensor_status: GlucoseSensorStatus | None = None
    context_follows: bool = False


def decode_glucose_measurement(data: ByteData) -> GlucoseMeasurement:
    """Decode a Glucose Measurement (0x2A18) value.

    Raises
    ------
    CodecError
        When the value is shorter or longer than its flags say, or the base time is out
        of the Date Time ranges.
    """
    cursor = ByteCursor(as_bytes(data, _WHAT), _WHAT)
    flags = cursor.uint8("flags")
    sequence_number = cursor.uint16("sequence number")
    base_time = read_date_time(cursor)
    time_offset = cursor.sint16("time offset") if flags & _FLAG_TIME_OFFSET else None
    concentration = _read_concentration(cursor, flags) if flags & _FLAG_CONCENTRATION else None
    status = GlucoseSensorStatus(cursor.uint16("sensor status")) if flags & _FLAG_STATUS else None
    cursor.expect_end()
    return GlucoseMeasurement(
        sequence_number=sequence_number,
        base_time=base_time,
        time_offset_min=time_offset,
        concentration=concentration,
        sensor_status=status,
        context_follows=bool(flags & _FLAG_CONTEXT_FOLLOWS),
    )


def _read_concentration(cursor: ByteCursor, flags: int) -> GlucoseConcentration:
    value = cursor.sfloat("glucose concentration")
    fluid_type, location = split_type_location(cursor.uint8("type-sample location"))
    units = GlucoseUnits.MOL_PER_L if flags & _FLAG_UNITS_MOL_L else GlucoseUnits.KG_PER_L
    return GlucoseConcentration(value, units, fluid_type, location)


def encode_glucose_measurement(record: GlucoseMeasurement) -> bytes:
    """Encode a Glucose Measurement (for tests and fakes); optional parts flagged if set."""
    flags = _FLAG_CONTEXT_FOLLOWS * record.context_follows
    body = bytearray(record.sequence_number.to_bytes(2, "little"))
    body += pack_date_time(record.base_time, _WHAT)
    if record.time_offset_min is not None:
        flags |= _FLAG_TIME_OFFSET
        body += record.time_offset_min.to_bytes(2, "little", signed=True)
    if (conc := record.concentration) is not None:
        flags |= _FLAG_CONCENTRATION | _FLAG_UNITS_MOL_L * (conc.units is GlucoseUnits.MOL_PER_L)
        body += encode_sfloat(conc.value).to_bytes(2, "little")
        body.append(join_type_location(conc.fluid_type, conc.sample_location))
    if record.sensor_status is not None:
        flags |= _FLAG_STATUS
        body += int(record.sensor_status).to_bytes(2, "little")
    return bytes([flags]) + bytes(body)
