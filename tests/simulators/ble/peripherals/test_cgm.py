"""The virtual CGM: range mapping, faults, status and RACP abort (through bleak)."""

from __future__ import annotations

import asyncio
import math
import struct
from datetime import timedelta

import pytest
from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic

from simulators.ble.cgm_encoding import (
    ANNUNCIATION_ABOVE_DEVICE_RANGE,
    ANNUNCIATION_BELOW_DEVICE_RANGE,
    ANNUNCIATION_CALIBRATION_REQUIRED,
    SessionStartTime,
    encode_session_start_time,
)
from simulators.ble.clock import SimClock
from simulators.ble.encoding import (
    SfloatSpecial,
)
from simulators.ble.peripherals.cgm import glucose_for_range
from simulators.ble.radio import VirtualRadio

from ..conftest import START, cgm_sensor, readings
from ..wire import decode_sfloat

pytestmark = [pytest.mark.ble, pytest.mark.timeout(15)]

RACP = "2a52"
MEASUREMENT = "2aa7"


async def report_all(radio: VirtualRadio, address: str) -> list[bytes]:
    """Records (one per entry) returned by RACP report-all."""
    payloads: list[bytes] = []
    done = asyncio.Event()

    def on_measurement(_c: BleakGATTCharacteristic, data: bytearray) -> None:
        payloads.append(bytes(data))

    async with BleakClient(address, timeout=5, **radio.client_kwargs()) as client:
        await client.start_notify(MEASUREMENT, on_measurement)
        await client.start_notify(RACP, lambda _c, _d: done.set())
        await client.write_gatt_char(RACP, b"\x01\x01", response=True)
        await asyncio.wait_for(done.wait(), timeout=5)
    records = []
    for payload in payloads:
        offset = 0
        while offset < len(payload):
            records.append(payload[offset : offset + payload[offset]])
            offset += payload[offset]
    return records


async def test_forced_nres_is_sent_as_the_reserved_code(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(2))
    cgm.force_next_glucose(SfloatSpecial.NRES)
    await radio.add(cgm)
    await cgm.wait_finished()
    first, second = await report_all(radio, cgm.address)
    assert struct.unpack_from("<H", first, 2)[0] == 0x0800
    assert decode_sfloat(struct.unpack_from("<H", second, 2)[0]) == 101.0


async def test_unknown_glucose_is_sent_as_nan(radio: VirtualRadio, clock: SimClock) -> None:
    cgm = cgm_sensor(clock, [(0, math.nan, None, None)])
    await radio.add(cgm)
    await cgm.wait_finished()
    (record,) = await report_all(radio, cgm.address)
    assert struct.unpack_from("<H", record, 2)[0] == 0x07FF


async def test_flagged_annunciation_sets_the_cal_temp_octet(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(1))
    cgm.flag_next_annunciation(ANNUNCIATION_CALIBRATION_REQUIRED)
    await radio.add(cgm)
    await cgm.wait_finished()
    (record,) = await report_all(radio, cgm.address)
    assert (record[1] & 0x40, record[6]) == (0x40, 0x08)


async def test_low_battery_sets_the_status_octet(radio: VirtualRadio, clock: SimClock) -> None:
    cgm = cgm_sensor(clock, readings(1), battery_percent=5)
    await radio.add(cgm)
    await cgm.wait_finished()
    (record,) = await report_all(radio, cgm.address)
    assert (record[1] & 0x80, record[6]) == (0x80, 0x02)


async def test_abort_stops_a_running_report_and_succeeds(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(14 * 288), session_start_utc=START - timedelta(days=14))
    await radio.add(cgm)
    await cgm.wait_finished()
    responses: list[bytes] = []
    aborted = asyncio.Event()

    def on_racp(_c: BleakGATTCharacteristic, data: bytearray) -> None:
        responses.append(bytes(data))
        if data[2] == 0x03:
            aborted.set()

    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        await client.start_notify(MEASUREMENT, lambda _c, _d: None)
        await client.start_notify(RACP, on_racp)
        await client.write_gatt_char(RACP, b"\x01\x01", response=True)
        await client.write_gatt_char(RACP, b"\x03\x00", response=True)
        await asyncio.wait_for(aborted.wait(), timeout=5)
    assert responses[-1] == bytes.fromhex("06000301")


async def test_session_start_time_written_by_the_gateway_is_read_back(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, [])
    await radio.add(cgm)
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        original = await client.read_gatt_char("2aaa")
        await client.write_gatt_char("2aaa", original, response=True)
        assert await client.read_gatt_char("2aaa") == original
    assert cgm.session_start.start_utc == START - timedelta(hours=1)


async def test_session_stops_when_the_time_offset_would_overflow(
    radio: VirtualRadio, clock: SimClock
) -> None:
    feed = [(65_535, 100.0, None, None), (65_540, 101.0, None, None)]
    cgm = cgm_sensor(clock, feed, session_start_utc=START - timedelta(days=46))
    await radio.add(cgm)
    await asyncio.wait_for(cgm.wait_finished(), timeout=5)
    assert [r.time_offset_min for r in cgm.records] == [65_535]


async def test_cgm_status_reports_the_latest_record(radio: VirtualRadio, clock: SimClock) -> None:
    cgm = cgm_sensor(clock, readings(3), battery_percent=5)
    await radio.add(cgm)
    await cgm.wait_finished()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        status = await client.read_gatt_char("2aa9")
    assert status[:5] == bytes([10, 0, 0x02, 0, 0])  # offset 10 min, battery low


async def test_written_session_start_changes_the_report_not_the_pacing(
    radio: VirtualRadio, clock: SimClock
) -> None:
    # 300 ms apart: the write lands while the sensor waits for the second reading, so
    # the third one would wait a simulated day if the written time paced measurements.
    feed = [(0, 100.0, None, None), (30, 101.0, None, None), (60, 102.0, None, None)]
    cgm = cgm_sensor(clock, feed, session_start_utc=START)
    await radio.add(cgm)
    later = encode_session_start_time(SessionStartTime(START + timedelta(days=1)))
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        await client.write_gatt_char("2aaa", later, response=True)
        assert await client.read_gatt_char("2aaa") == bytearray(later)
    await asyncio.wait_for(cgm.wait_finished(), timeout=5)
    assert [r.time_offset_min for r in cgm.records] == [0, 30, 60]


def test_glucose_above_range_becomes_positive_infinity_with_warning() -> None:
    assert glucose_for_range(450.0) == (
        SfloatSpecial.POSITIVE_INFINITY,
        ANNUNCIATION_ABOVE_DEVICE_RANGE,
    )


def test_glucose_below_range_becomes_negative_infinity_with_warning() -> None:
    assert glucose_for_range(30.0) == (
        SfloatSpecial.NEGATIVE_INFINITY,
        ANNUNCIATION_BELOW_DEVICE_RANGE,
    )


def test_unknown_glucose_becomes_nan() -> None:
    assert glucose_for_range(math.nan) == (SfloatSpecial.NAN, 0)


def test_glucose_in_range_is_whole_mg_dl() -> None:
    assert glucose_for_range(123.4) == (123, 0)
