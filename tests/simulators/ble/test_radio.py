"""VirtualRadio bookkeeping and faults, and the cohort-level behaviour of the backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic

from simulators.ble.backend_client import BumbleBleakClient
from simulators.ble.clock import SimClock
from simulators.ble.errors import RadioError
from simulators.ble.peripherals.heart_rate import HeartRateSensor
from simulators.ble.radio import VirtualRadio, static_random_address

from .conftest import HR_INFO, cgm_sensor, heart_rate_sensor, readings

pytestmark = [pytest.mark.ble, pytest.mark.timeout(15)]


def test_static_random_addresses_have_the_two_top_bits_set() -> None:
    assert int(static_random_address(258).split(":")[0], 16) & 0xC0 == 0xC0


def test_static_random_address_index_must_fit_16_bits() -> None:
    with pytest.raises(RadioError, match="1-65535"):
        static_random_address(0)


def test_central_of_a_radio_not_started_is_an_error() -> None:
    with pytest.raises(RadioError, match="not started"):
        _ = VirtualRadio().central


async def test_unknown_address_is_named_in_the_error(radio: VirtualRadio) -> None:
    with pytest.raises(RadioError, match="C0:00:00:00:00:09"):
        radio.set_in_range("C0:00:00:00:00:09", False)


async def test_adding_two_wearables_with_one_address_is_refused(
    radio: VirtualRadio, clock: SimClock
) -> None:
    await radio.add(heart_rate_sensor(clock, []))
    with pytest.raises(RadioError, match="already on air"):
        await radio.add(heart_rate_sensor(clock, []))


async def test_set_rssi_changes_the_reported_rssi(radio: VirtualRadio, clock: SimClock) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    radio.set_rssi(hr.address, -91)
    _device, adv = (await BleakScanner.discover(0.3, return_adv=True, **radio.scanner_kwargs()))[
        hr.address
    ]
    assert adv.rssi == -91


async def test_out_of_range_for_restores_range_afterwards(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    await radio.out_of_range_for(hr.address, duration_s=60.0, clock=clock)
    assert radio.is_in_range(hr.address)


async def test_client_finds_the_radio_through_a_scanned_device(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    await radio.add(hr)
    device = await BleakScanner.find_device_by_address(hr.address, 5, **radio.scanner_kwargs())
    assert device is not None
    async with BleakClient(device, backend=BumbleBleakClient) as client:
        assert client.is_connected


async def test_one_gateway_holds_both_wearables_at_once(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [(1000.0, 60, True)] * 5)
    cgm = cgm_sensor(clock, readings(3))
    await radio.add(hr)
    await radio.add(cgm)
    beats: list[bytes] = []

    def on_hrm(_c: BleakGATTCharacteristic, data: bytearray) -> None:
        beats.append(bytes(data))

    async with (
        BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as hr_client,
        BleakClient(cgm.address, timeout=5, **radio.client_kwargs()) as cgm_client,
    ):
        await hr_client.start_notify("2a37", on_hrm)
        await asyncio.wait_for(hr.wait_finished(), timeout=5)
        battery = await cgm_client.read_gatt_char("2a19")
    assert (len(beats), battery) == (5, bytearray([100]))


async def test_concurrent_connects_are_serialised_not_refused(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    cgm = cgm_sensor(clock, [])
    await radio.add(hr)
    await radio.add(cgm)
    clients = [BleakClient(w.address, timeout=5, **radio.client_kwargs()) for w in (hr, cgm)]
    await asyncio.gather(*(c.connect() for c in clients))
    assert [c.is_connected for c in clients] == [True, True]
    await asyncio.gather(*(c.disconnect() for c in clients))


async def test_a_failing_feed_is_re_raised_when_the_radio_closes(clock: SimClock) -> None:
    def broken_feed() -> Iterator[tuple[int, float, None, None]]:
        yield (0, 100.0, None, None)
        raise ValueError("feed broke")

    radio = VirtualRadio()
    await radio.start()
    cgm = cgm_sensor(clock, broken_feed())
    await radio.add(cgm)
    with pytest.raises(ValueError, match="feed broke"):
        await cgm.wait_finished()
    with pytest.raises(ValueError, match="feed broke"):
        await radio.close()


async def test_scanning_continues_while_a_client_connects(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = heart_rate_sensor(clock, [])
    cgm = cgm_sensor(clock, [])
    await radio.add(hr)
    await radio.add(cgm)
    seen_cgm = asyncio.Event()

    def on_adv(device: object, _adv: object) -> None:
        if getattr(device, "address", None) == cgm.address:
            seen_cgm.set()

    async with (
        BleakScanner(on_adv, **radio.scanner_kwargs()),
        BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client,
    ):
        seen_cgm.clear()
        await asyncio.wait_for(seen_cgm.wait(), timeout=5)
        assert client.is_connected


async def test_reconnecting_with_a_fresh_client_never_duplicates_notifications(
    radio: VirtualRadio, clock: SimClock
) -> None:
    # hr_bpm counts up so that every notification is distinct (a transport test).
    hr = heart_rate_sensor(clock, ((1000.0, i, True) for i in range(1, 60_000)))
    await radio.add(hr)
    received: list[bytes] = []
    first_seen = asyncio.Event()

    def on_hrm(_c: BleakGATTCharacteristic, data: bytearray) -> None:
        received.append(bytes(data))
        first_seen.set()

    for _session in range(3):
        first_seen.clear()
        async with BleakClient(hr.address, timeout=5, **radio.client_kwargs()) as client:
            await client.start_notify("2a37", on_hrm)
            await asyncio.wait_for(first_seen.wait(), timeout=5)
    await asyncio.sleep(0.05)
    assert len(received) >= 3
    assert len(set(received)) == len(received)


async def test_heart_rate_sensor_measures_without_a_subscriber_by_default(
    radio: VirtualRadio, clock: SimClock
) -> None:
    hr = HeartRateSensor(
        [(1000.0, 60, True)] * 100,
        clock=clock,
        name="HRM-0002",
        address=static_random_address(3),
        info=HR_INFO,
    )
    await radio.add(hr)
    await asyncio.wait_for(hr.wait_finished(), timeout=5)
    assert hr.notifications_sent == 0
    assert hr.measurement_started_utc is not None
