"""The virtual glucose meter through bleak's public API."""

from __future__ import annotations

import asyncio
import math
import struct
from datetime import timedelta

import pytest
from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic

from simulators.ble.clock import SimClock
from simulators.ble.encoding import SfloatSpecial
from simulators.ble.peripherals.glucose_meter import GlucoseMeter, meter_value
from simulators.ble.radio import VirtualRadio, static_random_address

from ..conftest import HR_INFO, START

pytestmark = [pytest.mark.ble, pytest.mark.timeout(15)]

GLUCOSE_SERVICE = "00001808-0000-1000-8000-00805f9b34fb"


def meter(clock: SimClock, count: int) -> GlucoseMeter:
    readings = [(START - timedelta(hours=count - i), 90.0 + i) for i in range(count)]
    return GlucoseMeter(
        readings, clock=clock, name="BGM-0001", address=static_random_address(4), info=HR_INFO
    )


async def fetch(radio: VirtualRadio, address: str, request: bytes) -> tuple[list[bytes], bytes]:
    records: list[bytes] = []
    responses: list[bytes] = []
    done = asyncio.Event()

    def on_record(_c: BleakGATTCharacteristic, data: bytearray) -> None:
        records.append(bytes(data))

    def on_racp(_c: BleakGATTCharacteristic, data: bytearray) -> None:
        responses.append(bytes(data))
        done.set()

    async with BleakClient(address, timeout=5, **radio.client_kwargs()) as client:
        assert GLUCOSE_SERVICE in [s.uuid for s in client.services]
        await client.start_notify("2a18", on_record)
        await client.start_notify("2a52", on_racp)
        await client.write_gatt_char("2a52", request, response=True)
        await asyncio.wait_for(done.wait(), timeout=5)
    return records, responses[0]


async def test_report_all_sends_one_record_per_notification(
    radio: VirtualRadio, clock: SimClock
) -> None:
    bgm = meter(clock, 5)
    await radio.add(bgm)
    await bgm.wait_finished()
    records, response = await fetch(radio, bgm.address, b"\x01\x01")
    sequence_numbers = [struct.unpack_from("<H", r, 1)[0] for r in records]
    assert (sequence_numbers, response) == ([0, 1, 2, 3, 4], bytes.fromhex("06000101"))


async def test_report_from_sequence_number_returns_only_newer(
    radio: VirtualRadio, clock: SimClock
) -> None:
    bgm = meter(clock, 5)
    await radio.add(bgm)
    await bgm.wait_finished()
    records, _ = await fetch(radio, bgm.address, b"\x01\x03\x01\x03\x00")
    assert [struct.unpack_from("<H", r, 1)[0] for r in records] == [3, 4]


async def test_base_time_is_the_meters_seoul_wall_clock(
    radio: VirtualRadio, clock: SimClock
) -> None:
    bgm = meter(clock, 1)  # measured one hour before START (00:00 UTC) -> 08:00 in Seoul
    await radio.add(bgm)
    await bgm.wait_finished()
    (record,), _ = await fetch(radio, bgm.address, b"\x01\x06")
    assert record[3:10] == bytes.fromhex("ea070302080000")


def test_meter_reports_hi_above_its_range_and_nan_on_failure() -> None:
    values = [meter_value(v) for v in (650.0, 5.0, math.nan, 99.6)]
    assert values == [
        SfloatSpecial.POSITIVE_INFINITY,
        SfloatSpecial.NEGATIVE_INFINITY,
        SfloatSpecial.NAN,
        100,
    ]
