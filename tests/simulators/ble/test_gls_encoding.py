"""Glucose Service encoders against the layout of docs/ble.md."""

from __future__ import annotations

from datetime import datetime

import pytest

from simulators.ble.gls_encoding import (
    GlucoseMeterRecord,
    encode_date_time,
    encode_glucose_feature,
    encode_glucose_measurement,
)

from .wire import decode_sfloat

BASE = datetime(2026, 3, 2, 8, 15, 0)


def test_date_time_is_year_then_fields() -> None:
    assert encode_date_time(BASE) == bytes.fromhex("ea070302080f00")


def test_measurement_layout_with_concentration_in_kg_per_litre() -> None:
    encoded = encode_glucose_measurement(GlucoseMeterRecord(1, BASE, 120.0))
    assert encoded[:3] == bytes([0x02, 0x01, 0x00])  # flags, sequence number 1
    assert encoded[3:10] == encode_date_time(BASE)
    kg_per_l = decode_sfloat(int.from_bytes(encoded[10:12], "little"))
    assert kg_per_l * 100_000 == pytest.approx(120.0)
    assert encoded[12:] == bytes([0x11])  # capillary whole blood, finger


def test_time_offset_and_status_set_their_flags() -> None:
    record = GlucoseMeterRecord(7, BASE, 95.0, time_offset_min=-30, status=1)
    encoded = encode_glucose_measurement(record)
    assert encoded[0] == 0x0B
    assert encoded[10:12] == (-30).to_bytes(2, "little", signed=True)
    assert encoded[-2:] == b"\x01\x00"


def test_feature_is_uint16() -> None:
    assert encode_glucose_feature(0x0003) == b"\x03\x00"
