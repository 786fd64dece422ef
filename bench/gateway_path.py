"""Gateway notification path: decoded and stored notifications per CPU-second.

Item 1 of ``python -m bench.gateway_stack`` (its docstring describes the method);
run alone as ``python -m bench.gateway_path [--hr-notifications 3000] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from bench._common import (
    COHORT_SEED,
    progress,
)
from bench._gateway_consts import ATT_MTU, BURST, CGM_DAYS, T0, TAG
from bench._gateway_report import summary
from gateway.cgm import run_cgm_session
from gateway.codecs import (
    RacpOpCode,
    RacpResponse,
    RacpResponseCode,
    decode_cgm_measurements,
    decode_heart_rate_measurement,
    encode_racp_response,
    uuids,
)
from gateway.config import DeviceConfig
from gateway.convert import cgm_readings, heart_rate_readings
from gateway.heartbeat import DeviceStatus
from gateway.notify import NotificationQueue
from gateway.outbox import Outbox, utc_now
from gateway.policy import ConnectionPolicy
from gateway.reading import Reading
from gateway.session import DeviceCounters, SessionContext, run_hr_session

# --- 1. the notification path, on recorded bytes ---------------------------------------


def hr_notifications(count: int) -> list[bytes]:
    """``count`` HRM values of a simulated participant, one a second, as the strap sends."""
    from simulators.ble.peripherals.heart_rate import encode_report, group_beats
    from simulators.physiology import HeartModel, cohort, heart_feed

    person = cohort(1, COHORT_SEED)[0]
    beats = heart_feed(HeartModel(person.heart, person.seed), T0.timestamp())
    reports = islice(group_beats(beats, 1.0), count)
    return [value for r in reports for value in encode_report(r, ATT_MTU)]


def cgm_notifications(days: int) -> tuple[list[bytes], dt.datetime]:
    """A full RACP back-fill of ``days`` of records (E2E-CRC), packed per notification."""
    from simulators.ble.cgm_encoding import CgmRecord, encode_cgm_record
    from simulators.ble.peripherals.cgm import glucose_for_range
    from simulators.ble.peripherals.racp_server import pack_records
    from simulators.physiology import GlucoseModel, cgm_feed, cohort, first_reading_s

    person = cohort(1, COHORT_SEED)[0]
    model = GlucoseModel(person.glucose, person.seed)
    start_s = first_reading_s(model, T0.timestamp())
    records = []
    for sample in islice(cgm_feed(model, start_s), days * 288):
        glucose, annunciation = glucose_for_range(sample.glucose_mg_dl)
        record = CgmRecord(
            sample.offset_min, glucose, sample.trend_mg_dl_min, sample.quality_pct, annunciation
        )
        records.append(encode_cgm_record(record, with_crc=True))
    start = dt.datetime.fromtimestamp(start_s, dt.UTC)
    return pack_records(records, ATT_MTU - 3), start


class FakeGatt:
    """A connected GATT client serving fixed values; keeps the notify callbacks."""

    def __init__(self, values: dict[str, bytes], subscriptions: int) -> None:
        self._values = values
        self._wanted = subscriptions
        self.callbacks: dict[str, Callable[[Any, bytearray], None]] = {}
        self.subscribed = asyncio.Event()  # set once the session enabled everything
        self.is_connected = True

    async def connect(self, **_kwargs: Any) -> None:
        return None

    async def disconnect(self) -> None:
        return None

    async def read_gatt_char(self, char_specifier: str, **_kwargs: Any) -> bytearray:
        return bytearray(self._values[char_specifier])

    async def write_gatt_char(
        self, char_specifier: str, data: bytes, response: bool | None = None
    ) -> None:
        return None

    async def start_notify(
        self, char_specifier: str, callback: Callable[[Any, bytearray], None], **_kw: Any
    ) -> None:
        self.callbacks[char_specifier] = callback
        if len(self.callbacks) >= self._wanted:
            self.subscribed.set()


class SignallingOutbox(Outbox):
    """The real outbox; wakes the feeder after every committed ``put``."""

    def __init__(self, path: Path, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(path, gateway_id="gw-bench", max_rows=10_000_000)
        self._loop = loop
        self.stored = asyncio.Event()
        self.readings = 0

    def put(self, readings: Sequence[Reading], progress: Any = None) -> int:
        dropped = super().put(readings, progress)
        self.readings += len(readings)
        self._loop.call_soon_threadsafe(self.stored.set)
        return dropped


def _gatt_values(kind: str, cgm_start: dt.datetime) -> dict[str, bytes]:
    from simulators.ble.cgm_encoding import SessionStartTime, encode_session_start_time
    from simulators.ble.cgm_encoding import encode_cgm_feature as sim_feature
    from simulators.ble.peripherals.cgm import DEFAULT_FEATURES

    values = {
        uuids.MANUFACTURER_NAME: b"wearmon sim",
        uuids.MODEL_NUMBER: b"bench",
        uuids.SERIAL_NUMBER: b"B-1",
        uuids.FIRMWARE_REVISION: b"1.0.0",
        uuids.BATTERY_LEVEL: bytes([90]),
    }
    if kind == "cgm":
        values[uuids.CGM_FEATURE] = sim_feature(DEFAULT_FEATURES)
        values[uuids.CGM_SESSION_START_TIME] = encode_session_start_time(
            SessionStartTime(cgm_start)
        )
    return values


async def _wait_stored(box: SignallingOutbox) -> None:
    await asyncio.wait_for(box.stored.wait(), 30.0)
    box.stored.clear()


def _session(
    kind: str, box: Outbox, cgm_start: dt.datetime
) -> tuple[FakeGatt, NotificationQueue, Any]:
    """A real HR or CGM session on a fake connected client; (client, queue, coroutine)."""
    device = DeviceConfig("7d0f3e4e-2f0c-4bd6-9d1e-0b8f8e1c2a01", kind, "C0:57:EA:01:00:01")  # type: ignore[arg-type]
    status = DeviceStatus(device.device_id, device.address)
    ctx = SessionContext(device, box, status, ConnectionPolicy(), 3600.0, utc_now, DeviceCounters())
    client = FakeGatt(_gatt_values(kind, cgm_start), subscriptions=1 if kind == "hr" else 2)
    queue = NotificationQueue(utc_now)
    session = run_hr_session if kind == "hr" else run_cgm_session
    return client, queue, session(client, queue, ctx)


async def drive_path(
    kind: str, notes: list[bytes], per_put: int, work: Path, cgm_start: dt.datetime = T0
) -> dict[str, float]:
    """Feed ``notes`` through the real session, ``per_put`` per outbox transaction."""
    loop = asyncio.get_running_loop()
    box = await asyncio.to_thread(SignallingOutbox, work / f"{kind}-{per_put}.sqlite3", loop)
    client, queue, session = _session(kind, box, cgm_start)
    task = asyncio.create_task(session)
    await client.subscribed.wait()
    box.stored.clear()  # the battery reading's put happened before the subscription
    before = box.readings
    cpu0, wall0 = time.process_time(), time.perf_counter()
    notify = client.callbacks[
        uuids.HEART_RATE_MEASUREMENT if kind == "hr" else uuids.CGM_MEASUREMENT
    ]
    for i in range(0, len(notes), per_put):
        for value in notes[i : i + per_put]:
            notify(None, bytearray(value))
        await _wait_stored(box)
    if kind == "cgm":  # RACP "success": the back-fill ends and its progress is saved
        done = RacpResponse(RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCode.SUCCESS)
        racp = client.callbacks[uuids.RECORD_ACCESS_CONTROL_POINT]
        racp(None, bytearray(encode_racp_response(done)))
        await _wait_stored(box)
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    queue.end()
    await task
    await asyncio.to_thread(box.close)
    return _rates(len(notes), box.readings - before, cpu_s, wall_s)


def _rates(notes: int, readings: int, cpu_s: float, wall_s: float) -> dict[str, float]:
    return {
        "notifications": notes,
        "readings": readings,
        "cpu_s": cpu_s,
        "wall_s": wall_s,
        "notifications_per_cpu_s": notes / cpu_s,
        "readings_per_cpu_s": readings / cpu_s,
    }


def _cpu_loop(body: Callable[[], int], min_cpu_s: float = 0.3) -> tuple[int, int, float]:
    """Repeat ``body`` (returns readings made) until ``min_cpu_s``; (rounds, readings, cpu)."""
    rounds = readings = 0
    start = time.process_time()
    while (cpu_s := time.process_time() - start) < min_cpu_s:
        readings += body()
        rounds += 1
    return rounds, readings, cpu_s


def decode_baselines(kind: str, notes: list[bytes], cgm_start: dt.datetime) -> dict[str, Any]:
    """Pure decode, and decode + conversion, of the same bytes (no queue, no outbox)."""
    dev = "7d0f3e4e-2f0c-4bd6-9d1e-0b8f8e1c2a01"

    def decode() -> int:
        if kind == "hr":
            return sum(len(decode_heart_rate_measurement(n).rr_intervals_ms) + 1 for n in notes)
        return sum(len(decode_cgm_measurements(n, e2e_crc=True).records) for n in notes)

    def convert() -> int:
        if kind == "hr":
            return sum(
                len(heart_rate_readings(dev, T0, decode_heart_rate_measurement(n))) for n in notes
            )
        return sum(
            len(
                cgm_readings(
                    dev,
                    cgm_start,
                    decode_cgm_measurements(n, e2e_crc=True).records,
                    backfilled=True,
                ).readings
            )
            for n in notes
        )

    out = {}
    for name, body in (("decode", decode), ("decode_convert", convert)):
        rounds, readings, cpu_s = _cpu_loop(body)
        out[name] = _rates(rounds * len(notes), readings, cpu_s, cpu_s)
    return out


async def throughput(hr_count: int) -> dict[str, Any]:
    """Item 1: notifications and readings per gateway CPU-second, with their baselines."""
    hr = hr_notifications(hr_count)
    cgm, cgm_start = cgm_notifications(CGM_DAYS)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wearmon-bench-gw-") as tmp:
        for kind, notes in (("hr", hr), ("cgm", cgm)):
            progress(TAG, f"throughput {kind}: {len(notes)} notifications")
            res = decode_baselines(kind, notes, cgm_start)
            for feed, per_put in (("live", 1), ("burst", BURST)):
                res[feed] = await drive_path(kind, notes, per_put, Path(tmp), cgm_start)
                base = res["decode"]["notifications_per_cpu_s"]
                res[feed]["ratio_vs_decode"] = res[feed]["notifications_per_cpu_s"] / base
            results[kind] = res
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--hr-notifications", type=int, default=3000, help="HR notifications to drive"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    args = parser.parse_args()
    result = {"throughput": asyncio.run(throughput(args.hr_notifications))}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(summary(result)))


if __name__ == "__main__":
    main()
