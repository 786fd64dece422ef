"""BLE supervisor and HR sessions against fake clients with scripted failures."""

from __future__ import annotations

import asyncio
import json

import pytest
from bleak.exc import BleakError

from gateway.central import DeviceSupervisor
from gateway.codecs import uuids
from gateway.config import DeviceConfig
from gateway.heartbeat import DeviceStatus
from gateway.outbox import Outbox
from gateway.policy import Adapter, ConnectionPolicy
from gateway.session import DeviceCounters, SessionContext
from tests.gateway.conftest import DEVICE_HR, T0
from tests.gateway.fakes import (
    HANG,
    FakePeripheral,
    FakeRadio,
    StepClock,
    hr_peripheral,
    notifications,
)

pytestmark = pytest.mark.timeout(10)

ADDRESS = "AA:00:00:00:00:01"
# Spec vector (docs/ble.md): 72 bpm, contact detected, 500 kJ, RR 819 and 870/1024 s.
HRM_72_RR = bytes.fromhex("1e48f40133036603")
HRM_60 = bytes.fromhex("063c")  # flags: contact supported + detected; 60 bpm; no RR
HRM_NO_CONTACT = bytes.fromhex("0446")  # contact supported, not detected; 70 bpm
FAST = ConnectionPolicy(
    scan_timeout_s=1.0,
    attempt_timeout_s=0.2,
    safety_timeout_s=2.0,
    call_timeout_s=0.2,
    racp_timeout_s=0.5,
    backoff_base_s=0.0,
    hr_silence_s=0.3,
    cgm_silence_s=0.3,
)


class Sleeps:
    def __init__(self) -> None:
        self.delays_s: list[float] = []

    async def __call__(self, delay_s: float) -> None:
        self.delays_s.append(delay_s)
        await asyncio.sleep(0)


def supervisor(
    box: Outbox,
    radio: FakeRadio,
    *,
    kind: str = "hr",
    device_id: str = DEVICE_HR,
    address: str = ADDRESS,
    policy: ConnectionPolicy = FAST,
    adapter: Adapter | None = None,
    sleeps: Sleeps | None = None,
) -> DeviceSupervisor:
    ctx = SessionContext(
        device=DeviceConfig(device_id, kind, address),  # type: ignore[arg-type]
        outbox=box,
        status=DeviceStatus(device_id, address),
        policy=policy,
        battery_interval_s=3600.0,
        clock=StepClock(T0),
        counters=DeviceCounters(),
    )
    return DeviceSupervisor(
        ctx,
        adapter or Adapter(policy.max_connections),
        radio.find,
        radio.client,
        sleep=sleeps or Sleeps(),
    )


def stored(box: Outbox) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    while (batch := box.peek_batch(1000)) is not None:
        out.extend(json.loads(batch.body)["readings"])
        box.ack(batch.reading_ids)
    return out


def metrics(readings: list[dict[str, object]]) -> list[str]:
    return [str(r["metric"]) for r in readings]


async def test_hr_session_stores_battery_hr_and_rr_readings(box: Outbox) -> None:
    p = hr_peripheral()
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_72_RR, HRM_60]
    )
    sup = supervisor(box, FakeRadio({ADDRESS: p}))
    await sup.run_once()
    readings = stored(box)
    assert metrics(readings) == [
        "battery",
        "heart_rate",
        "rr_interval",
        "rr_interval",
        "heart_rate",
    ]
    assert [r["value"] for r in readings] == [
        87.0,
        72.0,
        819 * 1000 / 1024,
        870 * 1000 / 1024,
        60.0,
    ]


async def test_hr_session_updates_device_status(box: Outbox) -> None:
    p = hr_peripheral()
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_60]
    )
    sup = supervisor(box, FakeRadio({ADDRESS: p}, rssi_dbm=-70))
    await sup.run_once()
    status = sup.ctx.status
    assert (status.battery_percent, status.rssi_dbm, status.connected) == (87, -70, False)
    assert status.last_seen_at is not None


async def test_no_contact_flag_is_carried(box: Outbox) -> None:
    p = hr_peripheral()
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_NO_CONTACT]
    )
    await supervisor(box, FakeRadio({ADDRESS: p})).run_once()
    (hr,) = [r for r in stored(box) if r["metric"] == "heart_rate"]
    assert hr["flags"] == ["no_contact"]


async def test_transient_connect_errors_are_retried_with_fresh_clients(box: Outbox) -> None:
    p = hr_peripheral()
    p.connect_outcomes = [BleakError("le-connection-abort-by-local"), BleakError("abort")]
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_60]
    )
    sup = supervisor(box, FakeRadio({ADDRESS: p}))
    await sup.run_once()
    assert len(p.clients) == 3
    assert len({id(c) for c in p.clients}) == 3
    assert metrics(stored(box)) == ["battery", "heart_rate"]


async def test_hung_connect_is_abandoned_after_the_attempt_timeout(box: Outbox) -> None:
    p = hr_peripheral()
    p.connect_outcomes = [HANG]
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_60]
    )
    await supervisor(box, FakeRadio({ADDRESS: p})).run_once()
    assert len(p.clients) == 2
    assert metrics(stored(box)) == ["battery", "heart_rate"]


async def test_round_fails_after_all_attempts_and_counts_a_failure(box: Outbox) -> None:
    p = hr_peripheral()
    p.connect_outcomes = [BleakError("a"), BleakError("b"), BleakError("c")]
    sup = supervisor(box, FakeRadio({ADDRESS: p}))
    await sup.run_once()
    assert (len(p.clients), sup.failures, box.depth()) == (3, 1, 0)


async def test_device_not_advertising_counts_a_failure(box: Outbox) -> None:
    sup = supervisor(box, FakeRadio({ADDRESS: hr_peripheral()}, visible=False))
    await sup.run_once()
    await sup.run_once()
    assert sup.failures == 2


async def test_run_loop_backs_off_after_failures(box: Outbox) -> None:
    stop = asyncio.Event()

    class StopAfterThree(Sleeps):
        async def __call__(self, delay_s: float) -> None:
            await super().__call__(delay_s)
            if len(self.delays_s) == 3:
                stop.set()

    sleeps = StopAfterThree()
    sup = supervisor(box, FakeRadio({ADDRESS: hr_peripheral()}, visible=False), sleeps=sleeps)
    await sup.run(stop)
    assert (sup.failures, len(sleeps.delays_s)) == (3, 3)


async def test_missing_characteristic_triggers_one_rediscovery(box: Outbox) -> None:
    p = hr_peripheral()  # no HRM characteristic at first: stale GATT cache
    radio = FakeRadio({ADDRESS: p})
    sup = supervisor(box, radio)
    assert await sup.run_once() is True
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_60]
    )
    assert await sup.run_once() is False
    assert radio.rediscover_flags == [False, True]
    assert sup.failures == 0


async def test_missing_characteristic_twice_backs_off(box: Outbox) -> None:
    sup = supervisor(box, FakeRadio({ADDRESS: hr_peripheral()}))
    assert await sup.run_once() is True
    assert await sup.run_once() is False
    assert sup.failures == 1


async def test_silent_device_is_dropped_by_the_watchdog(box: Outbox) -> None:
    p = hr_peripheral()
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [], then_drop=False
    )
    sup = supervisor(box, FakeRadio({ADDRESS: p}))
    await sup.run_once()
    assert sup.failures == 1
    assert not p.client.is_connected


async def test_hung_gatt_read_drops_the_link_and_the_next_round_recovers(box: Outbox) -> None:
    p = hr_peripheral()
    p.hang_reads.add(uuids.BATTERY_LEVEL)
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_60]
    )
    sup = supervisor(box, FakeRadio({ADDRESS: p}))
    await sup.run_once()
    assert (sup.failures, p.client.is_connected) == (1, False)
    p.hang_reads.clear()
    await sup.run_once()
    assert metrics(stored(box)) == ["battery", "heart_rate"]


async def test_duplicate_callbacks_after_reconnect_do_not_duplicate_readings(
    box: Outbox,
) -> None:
    p = hr_peripheral()
    p.stale_callbacks = True  # the backend keeps firing the first session's callback
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_60]
    )
    sup = supervisor(box, FakeRadio({ADDRESS: p}))
    await sup.run_once()
    await sup.run_once()
    hr = [r for r in stored(box) if r["metric"] == "heart_rate"]
    assert len(hr) == 2  # one per session, not 1 + 2
    assert sup.ctx.counters.late_callbacks == 1


async def test_scan_and_connect_are_serialised_on_the_adapter(box: Outbox) -> None:
    peripherals = {}
    for i in range(3):
        p = hr_peripheral(f"AA:00:00:00:00:1{i}")
        p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
            uuids.HEART_RATE_MEASUREMENT, [HRM_60]
        )
        peripherals[p.address] = p
    radio = FakeRadio(peripherals)
    adapter = Adapter(3)
    sups = [
        supervisor(box, radio, device_id=f"dev-{i}", address=a, adapter=adapter)
        for i, a in enumerate(peripherals)
    ]
    await asyncio.gather(*(s.run_once() for s in sups))
    assert radio.max_busy == 1
    assert len([r for r in stored(box) if r["metric"] == "heart_rate"]) == 3


async def test_connection_slots_limit_concurrent_sessions(box: Outbox) -> None:
    live = 0
    peak = 0

    async def script(p: FakePeripheral) -> None:
        nonlocal live, peak
        live += 1
        peak = max(peak, live)
        await asyncio.sleep(0.02)
        p.notify(uuids.HEART_RATE_MEASUREMENT, HRM_60)
        await asyncio.sleep(0.02)
        live -= 1
        p.drop_link()

    peripherals = {}
    for i in range(3):
        p = hr_peripheral(f"AA:00:00:00:00:2{i}")

        p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = script
        peripherals[p.address] = p
    radio = FakeRadio(peripherals)
    adapter = Adapter(2)
    sups = [
        supervisor(box, radio, device_id=f"dev-{i}", address=a, adapter=adapter)
        for i, a in enumerate(peripherals)
    ]
    await asyncio.gather(*(s.run_once() for s in sups))
    assert peak == 2


async def test_a_failed_attempts_late_disconnect_does_not_end_the_next_session(
    box: Outbox,
) -> None:
    p = hr_peripheral()
    p.connect_outcomes = [BleakError("abort")]
    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = notifications(
        uuids.HEART_RATE_MEASUREMENT, [HRM_60, HRM_60], gap_s=0.01
    )
    original = p.on_subscribed[uuids.HEART_RATE_MEASUREMENT]

    async def late_callback_then_notify(peripheral: FakePeripheral) -> None:
        peripheral.clients[0].lose_link()  # the failed first client reports a disconnect now
        await original(peripheral)

    p.on_subscribed[uuids.HEART_RATE_MEASUREMENT] = late_callback_then_notify
    await supervisor(box, FakeRadio({ADDRESS: p})).run_once()
    assert len([r for r in stored(box) if r["metric"] == "heart_rate"]) == 2
