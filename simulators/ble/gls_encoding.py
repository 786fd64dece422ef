"""Peripheral-side encoders for the Glucose Service (GLS 1.0), a spot-check meter.

Pure functions: values in, ``bytes`` out, following the project sheet
``docs/ble.md``. All multi-byte fields are little-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from simulators.ble.encoding import SfloatSpecial, encode_sfloat
from simulators.ble.errors import EncodingError

# GLS 1.0 section 3.106 Glucose Measurement flags.
GLS_FLAG_TIME_OFFSET = 0x01
GLS_FLAG_CONCENTRATION = 0x02  # concentration and type-sample location present
GLS_FLAG_UNITS_MOL_L = 0x04  # clear: kg/L
GLS_FLAG_STATUS = 0x08
GLS_TYPE_CAPILLARY_WHOLE_BLOOD = 0x1  # GLS 1.0 Type field
GLS_LOCATION_FINGER = 0x1  # GLS 1.0 Sample Location field
MG_DL_PER_KG_L = 100_000  # 1 mg/dL = 1e-5 kg/L (docs/ble.md)
# GLS 1.0 section 3.56 Glucose Feature bits.
GLS_FEATURE_LOW_BATTERY = 1 << 0
GLS_FEATURE_SENSOR_MALFUNCTION = 1 << 1
# Sensor Status Annunciation (uint16), GLS 1.0 section 3.106.
GLS_STATUS_BATTERY_LOW = 1 << 0
_DATE_TIME = struct.Struct("<HBBBBB")  # Date Time characteristic 0x2A08


@dataclass(frozen=True)
class GlucoseMeterRecord:
    """One stored meter result; ``base_time_local`` is the meter's wall clock."""

    sequence_number: int
    base_time_local: datetime
    glucose_mg_dl: float | SfloatSpecial
    time_offset_min: int | None = None
    status: int = 0


def encode_date_time(local: datetime) -> bytes:
    """Date Time (0x2A08): year, month, day, hours, minutes, seconds of ``local``."""
    return _DATE_TIME.pack(
        local.year, local.month, local.day, local.hour, local.minute, local.second
    )


def encode_glucose_measurement(record: GlucoseMeterRecord) -> bytes:
    """Encode one Glucose Measurement (concentration in kg/L, capillary blood, finger).

    Raises
    ------
    EncodingError
        If the sequence number does not fit a uint16.
    """
    if not 0 <= record.sequence_number <= 0xFFFF:
        raise EncodingError(
            f"expected a sequence number of 0-65535; found {record.sequence_number}"
        )
    flags = GLS_FLAG_CONCENTRATION
    tail = b""
    if record.time_offset_min is not None:
        flags |= GLS_FLAG_TIME_OFFSET
        tail += struct.pack("<h", record.time_offset_min)
    glucose = record.glucose_mg_dl
    kg_l = glucose if isinstance(glucose, SfloatSpecial) else glucose / MG_DL_PER_KG_L
    tail += struct.pack("<H", encode_sfloat(kg_l))
    tail += bytes([(GLS_LOCATION_FINGER << 4) | GLS_TYPE_CAPILLARY_WHOLE_BLOOD])
    if record.status:
        flags |= GLS_FLAG_STATUS
        tail += struct.pack("<H", record.status)
    head = struct.pack("<BH", flags, record.sequence_number)
    return head + encode_date_time(record.base_time_local) + tail


def encode_glucose_feature(features: int) -> bytes:
    """Glucose Feature (0x2A51): uint16 feature bits."""
    return struct.pack("<H", features)
