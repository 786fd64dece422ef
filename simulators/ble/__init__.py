"""Simulated Bluetooth LE: virtual wearables on a Bumble link and a bleak backend for them.

Typical use (everything the gateway sees goes through bleak's public API)::

    clock = SimClock(speed=60.0)
    async with VirtualRadio() as radio:
        hr = HeartRateSensor(beats, clock=clock, name="HRM-0001",
                             address=static_random_address(1), info=DeviceInfo(...))
        await radio.add(hr)
        async with BleakScanner(on_adv, **radio.scanner_kwargs()):
            ...
        async with BleakClient(hr.address, **radio.client_kwargs()) as client:
            await client.start_notify("2a37", on_hrm)

Across processes: the radio process calls ``port = await radio.serve_central()``; the
gateway process calls ``central = await BumbleCentral.open_tcp("127.0.0.1", port)`` and
uses ``central.scanner_kwargs()`` / ``central.client_kwargs()`` the same way.

Faults: ``wearable.disconnect()``, ``wearable.drop_next_connections(n)``,
``wearable.drain_battery(points)``, ``radio.set_in_range(address, False)`` /
``radio.out_of_range_for(address, duration_s, clock)``, ``radio.set_rssi(...)``, and on
a CGM ``corrupt_next_crc(n)``, ``force_next_glucose(SfloatSpecial.NRES)``,
``flag_next_annunciation(bits)``.
"""

from simulators.ble.backend_client import BumbleBleakClient
from simulators.ble.backend_scanner import BumbleBleakScanner
from simulators.ble.central import BumbleCentral
from simulators.ble.clock import SimClock
from simulators.ble.errors import BleakConnectTimeoutError
from simulators.ble.peripherals.cgm import CgmSensor, GlucoseReading
from simulators.ble.peripherals.common import DeviceInfo, VirtualWearable
from simulators.ble.peripherals.glucose_meter import GlucoseMeter, MeterReading
from simulators.ble.peripherals.heart_rate import Beat, BodySensorLocation, HeartRateSensor
from simulators.ble.radio import VirtualRadio, static_random_address

__all__ = [
    "Beat",
    "BleakConnectTimeoutError",
    "BodySensorLocation",
    "BumbleBleakClient",
    "BumbleBleakScanner",
    "BumbleCentral",
    "CgmSensor",
    "DeviceInfo",
    "GlucoseMeter",
    "GlucoseReading",
    "HeartRateSensor",
    "MeterReading",
    "SimClock",
    "VirtualRadio",
    "VirtualWearable",
    "static_random_address",
]
