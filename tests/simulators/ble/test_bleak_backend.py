"""The Bumble bleak backend driven only through bleak's public API."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError, BleakGATTProtocolError

from simulators.ble.clock import SimClock
from simulators.ble.radio import VirtualRadio

from .conftest import START, cgm_sensor, heart_rate_sensor, readings
from .wire import decode_hrm, split_cgm_records

pytestmark = [pytest.mark.ble, pytest.mark.timeout(15)]

HRS = "0000180d-0000-1000-8000-00805f9b34fb"
CGMS = "0000181f-0000-1000-8000-00805f9b34fb"
RACP = "00002a52-0000-1000-8000-00805f9b34fb"
CGM_MEASUREMENT = "00002aa7-0000-1000-8000-00805f9b34fb"


async def scan(radio: VirtualRadio, **kwargs: Any) -> dict[str, AdvertisementData]:
    seen: dict[str, AdvertisementData] = {}
    everyone = asyncio.Event()

    def on_advertisement(device: BLEDevice, adv: AdvertisementData) -> None:
        seen[device.address] = adv
        if len(seen) == len(radio.wearables):
            everyone.set()

    async with BleakScanner(on_advertisement, **kwargs, **radio.scanner_kwargs()):
        await asyncio.wait_for(everyone.wait(), timeout=5)
    return seen


def collector(into: list[bytes], done: asyncio.Event | None = None) -> Callable[..., None]:
    def callback(_sender: BleakGATTCharacteristic, data: bytearray) -> None:
        into.append(bytes(data))
        if done is not None:
            done.set()

    return callback


async def racp(client: BleakClient, request: bytes) -> tuple[list[bytes], bytes]:
    """Write a RACP request; return the measurement notifications and the response."""
    notifications: list[bytes] = []
    responses: list[bytes] = []
    responded = asyncio.Event()
    await client.start_notify(CGM_MEASUREMENT, collector(notifications))
    await client.start_notify(RACP, collector(responses, responded))
    await client.write_gatt_char(RACP, request, response=True)
    await asyncio.wait_for(responded.wait(), timeout=5)
    await client.stop_notify(RACP)
    await client.stop_notify(CGM_MEASUREMENT)
    return notifications, responses[0]


def offsets(notifications: list[bytes]) -> list[int]:
    return [r.offset_min for n in notifications for r in split_cgm_records(n)]


async def test_scan_finds_both_wearables_with_name_services_and_rssi(
    radio: VirtualRadio, clock: SimClock
) -> None:
    await radio.add(heart_rate_sensor(clock, []), rssi_dbm=-55)
    await radio.add(cgm_sensor(clock, []), rssi_dbm=-70)
    seen = await scan(radio)
    found = sorted((a.local_name, tuple(a.service_uuids), a.rssi) for a in seen.values())
    assert found == [("CGM-0001", (CGMS,), -70), ("HRM-0001", (HRS,), -55)]


async def test_scanner_service_filter_hides_other_wearables(
    radio: VirtualRadio, clock: SimClock
) -> None:
    await radio.add(heart_rate_sensor(clock, []))
    await radio.add(cgm_sensor(clock, []))
    devices = await BleakScanner.discover(
        timeout=0.5, service_uuids=[CGMS], **radio.scanner_kwargs()
    )
    assert [d.name for d in devices] == ["CGM-0001"]


async def test_find_device_by_address_returns_the_wearable(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    device = await BleakScanner.find_device_by_address(hr.address, 5, **radio.scanner_kwargs())
    assert device is not None
    assert (device.address, device.name) == (hr.address, "HRM-0001")


async def test_connect_reads_device_information_and_battery(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
        strings = [
            bytes(await client.read_gatt_char(u)).decode() for u in ("2a29", "2a24", "2a25", "2a26")
        ]
        battery = await client.read_gatt_char("2a19")
        location = await client.read_gatt_char("2a38")
    assert strings == ["Acme Medical", "HR-100", "HR0001", "1.2.3"]
    assert (battery, location) == (bytearray([100]), bytearray([1]))


async def test_connect_negotiates_a_large_mtu(radio: VirtualRadio, clock: SimClock) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
        assert client.mtu_size == 517


async def test_heart_rate_notifications_arrive_once_each_in_order(
    radio: VirtualRadio, clock: SimClock
) -> None:
    rr_ms = [800.0, 1000.0] * 30  # a minute of beats at 67 bpm
    hr = heart_rate_sensor(clock, [(rr, 67, True) for rr in rr_ms])
    await radio.add(hr)
    received: list[bytes] = []
    async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
        await client.start_notify("2a37", collector(received))
        await asyncio.wait_for(hr.wait_finished(), timeout=5)
        await asyncio.sleep(0.05)
    decoded = [decode_hrm(value) for value in received]
    rr_1024 = [rr for value in decoded for rr in value.rr_1024]
    assert len(received) == hr.notifications_sent == 54  # 54 s of beats
    assert rr_1024 == [round(rr * 1.024) for rr in rr_ms]
    assert {(d.hr_bpm, d.contact) for d in decoded} == {(67, True)}


async def test_battery_drain_is_notified(radio: VirtualRadio, clock: SimClock) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    levels: list[bytes] = []
    changed = asyncio.Event()
    async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
        await client.start_notify("2a19", collector(levels, changed))
        await hr.drain_battery(by_percent=85)
        await asyncio.wait_for(changed.wait(), timeout=5)
        assert (levels, await client.read_gatt_char("2a19")) == ([bytes([15])], bytearray([15]))


async def test_cgm_feature_reports_e2e_crc_trend_and_quality(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, [])
    await radio.add(cgm)
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        feature = await client.read_gatt_char("2aa8")
    bits = int.from_bytes(feature[:3], "little")
    assert (bool(bits & 1 << 12), bool(bits & 1 << 15), bool(bits & 1 << 16)) == (True, True, True)


async def test_racp_report_all_returns_every_stored_record_then_success(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(12))
    await radio.add(cgm)
    await cgm.wait_finished()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        notifications, response = await racp(client, b"\x01\x01")
    records = [r for n in notifications for r in split_cgm_records(n)]
    assert [(r.offset_min, r.glucose_mg_dl, r.crc_ok) for r in records] == [
        (5 * i, 100.0 + i, True) for i in range(12)
    ]
    assert len(notifications) == 1  # 12 records of 12 bytes fit one notification at MTU 517
    assert response == bytes.fromhex("06000101")


async def test_racp_report_from_offset_returns_only_newer_records(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(12))
    await radio.add(cgm)
    await cgm.wait_finished()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        notifications, response = await racp(client, b"\x01\x03\x01" + struct.pack("<H", 41))
    assert (offsets(notifications), response) == ([45, 50, 55], bytes.fromhex("06000101"))


async def test_racp_report_number_counts_stored_records(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(12))
    await radio.add(cgm)
    await cgm.wait_finished()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        notifications, response = await racp(client, b"\x04\x01")
    assert (notifications, response) == ([], bytes.fromhex("05000c00"))


async def test_racp_beyond_last_record_indicates_no_records_found(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(3))
    await radio.add(cgm)
    await cgm.wait_finished()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        notifications, response = await racp(client, b"\x01\x03\x01\x00\x10")
    assert (notifications, response) == ([], bytes.fromhex("06000106"))


async def test_racp_with_unsupported_op_code_indicates_the_error(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(3))
    await radio.add(cgm)
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        _, response = await racp(client, b"\x02\x01")
    assert response == bytes.fromhex("06000202")


async def test_racp_without_indications_enabled_is_a_protocol_error(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(3))
    await radio.add(cgm)
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        with pytest.raises(BleakGATTProtocolError) as info:
            await client.write_gatt_char(RACP, b"\x01\x01", response=True)
    assert info.value.code == 0xFD


async def test_two_weeks_of_history_back_fill_in_mtu_sized_notifications(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(14 * 288), session_start_utc=START - timedelta(days=14))
    await radio.add(cgm)
    await cgm.wait_finished()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        notifications, response = await racp(client, b"\x01\x01")
    assert len(offsets(notifications)) == 14 * 288
    assert max(len(n) for n in notifications) <= 517 - 3
    assert response == bytes.fromhex("06000101")


async def test_corrupted_crc_affects_the_next_record_only(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(4))
    await radio.add(cgm)
    await cgm.wait_finished()
    cgm.corrupt_next_crc()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        notifications, _ = await racp(client, b"\x01\x01")
    records = [r for n in notifications for r in split_cgm_records(n)]
    assert [r.crc_ok for r in records] == [False, True, True, True]


async def test_out_of_range_glucose_is_sent_as_infinity(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, [(0, 450.0, None, None), (5, 30.0, None, None)])
    await radio.add(cgm)
    await cgm.wait_finished()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        notifications, _ = await racp(client, b"\x01\x01")
    glucose = [r.glucose_mg_dl for n in notifications for r in split_cgm_records(n)]
    assert glucose == [float("inf"), float("-inf")]


async def test_session_start_time_write_without_crc_is_rejected(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, [])
    await radio.add(cgm)
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        current = await client.read_gatt_char("2aaa")
        with pytest.raises(BleakGATTProtocolError) as info:
            await client.write_gatt_char("2aaa", current[:9], response=True)
        await client.write_gatt_char("2aaa", current, response=True)
    assert info.value.code == 0x80


async def test_peripheral_disconnect_reaches_disconnected_callback(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    dropped = asyncio.Event()
    client = BleakClient(hr.address, lambda _c: dropped.set(), timeout=5, **radio.client_kwargs())
    await client.connect()
    await hr.disconnect()
    await asyncio.wait_for(dropped.wait(), timeout=5)
    assert client.is_connected is False


async def test_local_disconnect_calls_the_callback_once(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    calls: list[object] = []
    client = BleakClient(hr.address, calls.append, timeout=5, **radio.client_kwargs())
    await client.connect()
    await client.disconnect()
    await client.disconnect()
    assert (calls, client.is_connected) == ([client], False)


async def test_reading_after_disconnect_raises_bleak_error(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    client = BleakClient(hr.address, timeout=5, **radio.client_kwargs())
    await client.connect()
    await hr.disconnect()
    await asyncio.sleep(0.05)
    with pytest.raises(BleakError):
        await client.read_gatt_char("2a19")


async def test_starting_notifications_twice_raises(radio: VirtualRadio, clock: SimClock) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
        await client.start_notify("2a37", collector([]))
        with pytest.raises(BleakError, match="already started"):
            await client.start_notify("2a37", collector([]))


async def test_out_of_range_connect_fails_with_bleak_error_then_succeeds(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    radio.set_in_range(hr.address, False)
    with pytest.raises(BleakError):
        await BleakClient(hr.address, timeout=0.3, **radio.client_kwargs()).connect()
    radio.set_in_range(hr.address, True)
    async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
        assert client.is_connected


async def test_out_of_range_wearable_is_not_seen_by_the_scanner(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    radio.set_in_range(hr.address, False)
    assert (
        await BleakScanner.find_device_by_address(hr.address, 0.3, **radio.scanner_kwargs()) is None
    )


async def test_going_out_of_range_drops_the_connection(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    dropped = asyncio.Event()
    client = BleakClient(hr.address, lambda _c: dropped.set(), timeout=5, **radio.client_kwargs())
    await client.connect()
    radio.set_in_range(hr.address, False)
    await asyncio.wait_for(dropped.wait(), timeout=5)
    assert client.is_connected is False


async def test_back_fill_after_out_of_range_recovers_every_missed_record(
    radio: VirtualRadio, clock: SimClock
) -> None:
    cgm = cgm_sensor(clock, readings(16), session_start_utc=START)
    await radio.add(cgm)
    heard: list[bytes] = []  # the first back-fill, then live records: one subscription
    record = asyncio.Event()
    responses: list[bytes] = []
    responded = asyncio.Event()
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        # Subscribed before the first request and until out of range, so no record can
        # fall between the back-fill and the live stream (the clock runs fast).
        await client.start_notify(CGM_MEASUREMENT, collector(heard, record))
        await client.start_notify(RACP, collector(responses, responded))
        await client.write_gatt_char(RACP, b"\x01\x01", response=True)
        await asyncio.wait_for(responded.wait(), timeout=5)
        record.clear()
        await asyncio.wait_for(record.wait(), timeout=5)  # a live record after the back-fill
        radio.set_in_range(cgm.address, False)
    await asyncio.wait_for(cgm.wait_finished(), timeout=5)  # keeps measuring, unheard
    radio.set_in_range(cgm.address, True)
    last_seen = max(offsets(heard))
    async with BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as client:
        missed, response = await racp(client, b"\x01\x03\x01" + struct.pack("<H", last_seen + 1))
    assert offsets(missed) == [o for o in range(0, 80, 5) if o > last_seen]
    assert set(offsets(heard) + offsets(missed)) == set(range(0, 80, 5))
    assert response == bytes.fromhex("06000101")


async def test_service_filter_resolves_only_the_named_services(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    async with BleakClient(
        hr.address, services=["180f"], timeout=5, **radio.client_kwargs()
    ) as client:
        uuids = [service.uuid for service in client.services]
    assert uuids == ["0000180f-0000-1000-8000-00805f9b34fb"]


async def test_client_name_is_the_advertised_name(radio: VirtualRadio, clock: SimClock) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    device = await BleakScanner.find_device_by_address(hr.address, 5, **radio.scanner_kwargs())
    assert device is not None
    assert BleakClient(device, **radio.client_kwargs()).name == "HRM-0001"


async def test_dropped_connection_during_set_up_is_a_bleak_error_then_retry_works(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    hr.drop_next_connections(1)
    with pytest.raises(BleakError):
        await BleakClient(hr.address, timeout=5, **radio.client_kwargs()).connect()
    async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
        assert client.is_connected


async def test_connect_timeout_is_also_a_timeout_error_like_bluez(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    radio.set_in_range(hr.address, False)
    with pytest.raises(TimeoutError, match="out of range"):
        await BleakClient(hr.address, timeout=0.2, **radio.client_kwargs()).connect()
