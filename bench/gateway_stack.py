"""Gateway benchmarks: CPU per notification, latency to PostgreSQL, capacity.

1. ``throughput``: the gateway's notification path (the bleak notify callback that queues
   bytes, the session pump, codec decode, conversion to readings, durable outbox ``put``)
   driven through the real ``run_hr_session`` / ``run_cgm_session`` with realistic Heart
   Rate Measurement notifications (physiology feed, RR intervals, ATT MTU 517) and CGM
   back-fill notifications (14 days of records with E2E-CRC, as many per notification as
   the MTU holds). Rates are per gateway CPU-second (``time.process_time``: all threads, so
   the outbox worker threads count). Baselines in the same run on the same bytes: the pure
   codec decode, and decode + conversion. Two feeds: ``live`` (one outbox transaction per
   notification, as a strap notifying once a second gets) and ``burst`` (64 queued
   notifications per transaction, as after a stall).
2. ``latency``: a real run at real-time speed: embedded PostgreSQL, the real API (uvicorn
   subprocess), one real gateway per home (HR strap + CGM) over a simulated radio whose
   wearables run in a child process. Clock points, all on this host's wall clock:

   * ``t_notify``: the strap's ``time.time()`` just before it hands the Heart Rate
     Measurement to its Bumble stack (simulator process);
   * ``t_rx``: the gateway's notify-callback stamp (``NotificationQueue``), which is the
     heart-rate reading's ``measured_at``;
   * ``t_commit``: ``readings.received_at``, the server's ``now()`` in the inserting
     transaction (its start; the commit follows in the same request).

   Latency = ``t_commit - t_notify``; most of it is the uploader's idle pause
   (``upload_interval_s``, 5 s by default) once the outbox is empty.
3. ``ramp``: N heart-rate straps (one notification a second each) on ONE gateway,
   N = 2, 8, 16, ... until it falls behind: a strap not connected, more than 1 % of the
   notifications without a stored reading, notify->commit p95 beyond one upload pause +
   2 s, event-loop lag p99 over 250 ms, or the gateway above 0.9 core. ``--strap-hz`` > 1
   multiplies the load per strap (the simulated link itself gets slow to connect beyond
   ~100 straps: every advertisement reaches every controller). Then, from the latency
   run's CPU per home (simulator + gateway + API + database), how many homes this
   machine runs in real time.

Usage::

    .venv/bin/python -m bench.gateway_stack [--json] [--plot] [--quick] [--latency-s 60]
        [--homes 3] [--ramp 2,8,16,32,64] [--window-s 10] [--strap-hz 1]
        [--skip throughput,latency,ramp] [--upload-interval-s 5] [--database-url URL]

Default run: about 4 minutes on this 2-core machine; ``--quick``: about 2 minutes.

Linux only (the CPU of the API, database and simulator processes is read with psutil).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from bench._common import (
    CGM_HISTORY_MIN,
    COHORT_SEED,
    CpuMeter,
    SimulatorProcess,
    fresh_database,
    percentiles_ms,
    progress,
    simulate_main,
)
from gateway.app import GatewayRuntime, run_gateway
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
from gateway.config import DeviceConfig, GatewayConfig
from gateway.convert import cgm_readings, heart_rate_readings
from gateway.heartbeat import DeviceStatus
from gateway.notify import NotificationQueue
from gateway.outbox import Outbox, utc_now
from gateway.policy import ConnectionPolicy
from gateway.reading import Reading
from gateway.session import DeviceCounters, SessionContext, run_hr_session
from wearmon.api_process import api_process

TAG = "gateway"
OUT_DIR = Path(__file__).resolve().parent / "out"
# bleak on BlueZ asks for ATT MTU 517 and the simulated strap grants it
# (simulators/ble/backend_client.py REQUESTED_ATT_MTU); notifications carry MTU - 3 bytes.
ATT_MTU = 517
BURST = 64  # notifications per outbox transaction in the "burst" feed
CGM_DAYS = 14  # a full sensor store (simulators/ble/peripherals/cgm.py STORE_DAYS)
T0 = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
HR_PERIOD_S = 1.0  # a strap notifies once a second (HRS 1.0 3.1.1; simulators' default)


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


# --- 2 and 3. real runs: simulator process, gateways here, API and PostgreSQL -------------


@dataclass(frozen=True)
class Wearable:
    """An enrolled wearable: cohort index, server device id, BLE address, kind."""

    index: int
    device_id: str
    address: str
    kind: str


@dataclass(frozen=True)
class EnrolledGateway:
    """A gateway credential and the wearables it reads."""

    gateway_id: str
    token: str
    wearables: tuple[Wearable, ...]

    def first(self, count: int) -> EnrolledGateway:
        """The same gateway reading only its first ``count`` wearables."""
        return EnrolledGateway(self.gateway_id, self.token, self.wearables[:count])


def enrol(db_url: str, homes: int, ramp_max: int) -> tuple[list[EnrolledGateway], EnrolledGateway]:
    """Enrol ``homes`` homes (HR + CGM, a gateway each) and one ramp gateway of HR straps."""
    import psycopg

    from ingest.storage.enrolment import (
        ParticipantIdentity,
        enrol_device,
        enrol_gateway,
        enrol_participant,
    )
    from simulators.physiology import cohort

    people = cohort(homes + ramp_max, COHORT_SEED)
    with psycopg.connect(db_url) as conn:
        pids, wearables = [], []
        for i, p in enumerate(people):
            ident = ParticipantIdentity(p.participant_id, p.birth_year, p.sex, p.district)
            pid = enrol_participant(
                conn, study_id="bench", identity=ident, time_zone="Asia/Seoul", actor="bench"
            )
            pids.append(pid)
            pair = []
            for kind, dev in (("hr", p.hr_device), ("cgm", p.cgm_device)):
                did = enrol_device(
                    conn,
                    participant_id=pid,
                    kind=kind,
                    address=dev.address,
                    model="sim",
                    serial=dev.serial,
                    actor="bench",
                )
                pair.append(Wearable(i, str(did), dev.address, kind))
            wearables.append(pair)
        gateways = []
        for i in range(homes):
            gid, token = enrol_gateway(conn, participant_ids=[pids[i]], actor="bench")
            gateways.append(EnrolledGateway(str(gid), token, tuple(wearables[i])))
        gid, token = enrol_gateway(conn, participant_ids=pids[homes:], actor="bench")
        straps = tuple(w[0] for w in wearables[homes:])
    return gateways, EnrolledGateway(str(gid), token, straps)


@dataclass
class LiveSettings:
    """What every real run shares."""

    api_url: str
    api_pid: int
    db_pid: int | None
    db_url: str
    upload_interval_s: float
    work: Path


class LagProbe:
    """Event-loop lag: how late a 100 ms sleep wakes up (a busy loop wakes late)."""

    PERIOD_S = 0.1

    def __init__(self) -> None:
        self.lags_s: list[float] = []
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(self.PERIOD_S)
            self.lags_s.append(loop.time() - t - self.PERIOD_S)

    def stop(self) -> dict[str, float]:
        """Stop probing; percentiles of the lag in ms."""
        self._task.cancel()
        return percentiles_ms(self.lags_s)


def _config(gw: EnrolledGateway, s: LiveSettings) -> GatewayConfig:
    devices = tuple(DeviceConfig(w.device_id, w.kind, w.address) for w in gw.wearables)  # type: ignore[arg-type]
    return GatewayConfig(
        gateway_id=gw.gateway_id,
        token=gw.token,
        api_url=s.api_url,
        devices=devices,
        outbox_path=s.work / f"outbox-{gw.gateway_id}-{len(devices)}.sqlite3",
        upload_interval_s=s.upload_interval_s,
        # The bench measures software capacity: one link slot per wearable (a real
        # adapter holds 3-10 LE links, gateway/policy.py max_connections).
        policy=ConnectionPolicy(max_connections=max(1, len(devices))),
    )


def _sim_spec(gateways: Sequence[EnrolledGateway], notify_period_s: float) -> dict[str, Any]:
    wearables = [w for g in gateways for w in g.wearables]
    return {
        "hr": [w.index for w in wearables if w.kind == "hr"],
        "cgm": [w.index for w in wearables if w.kind == "cgm"],
        "centrals": len(gateways),
        "cgm_history_min": CGM_HISTORY_MIN,
        "notify_period_s": notify_period_s,
    }


async def _wait_connected(runtimes: list[GatewayRuntime], wanted: int, timeout_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        up = sum(st.connected for rt in runtimes for st in rt.statuses.values())
        if up >= wanted:
            return time.monotonic() - start
        await asyncio.sleep(0.2)
    return float("nan")


async def _depth(runtimes: list[GatewayRuntime]) -> int:
    return sum([await asyncio.to_thread(rt.outbox.depth) for rt in runtimes])


@contextlib.asynccontextmanager
async def fleet(
    gateways: Sequence[EnrolledGateway], s: LiveSettings, notify_period_s: float
) -> AsyncIterator[tuple[SimulatorProcess, list[GatewayRuntime]]]:
    """The wearables in a child process and the real gateways here, running."""
    import httpx

    from simulators.ble import BumbleBleakClient, BumbleBleakScanner, BumbleCentral

    sim = SimulatorProcess("bench.gateway_stack", _sim_spec(gateways, notify_period_s), s.work)
    ports = await sim.start()
    centrals: list[BumbleCentral] = []
    runtimes: list[GatewayRuntime] = []
    stop = asyncio.Event()
    try:
        # Each central needs its own address on the shared link (static random, two top
        # bits set: Core 5.4 Vol 6 Part B 1.3.2.1), apart from the simulators' C0:57:EA:01:..
        centrals = [
            await BumbleCentral.open_tcp("127.0.0.1", p, address=f"C0:57:EA:00:10:{i:02X}")
            for i, p in enumerate(ports)
        ]
        async with httpx.AsyncClient(timeout=30.0) as http:
            tasks = [
                asyncio.create_task(
                    run_gateway(
                        _config(g, s),
                        http_client=http,
                        stop_event=stop,
                        scanner_backend=BumbleBleakScanner,
                        client_backend=BumbleBleakClient,
                        backend_kwargs={"radio": c},
                        on_started=runtimes.append,
                    )
                )
                for g, c in zip(gateways, centrals, strict=True)
            ]
            try:
                yield sim, runtimes
            finally:
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for central in centrals:
            await central.close()
        await sim.stop()


async def live_run(
    gateways: Sequence[EnrolledGateway],
    s: LiveSettings,
    window_s: float,
    notify_period_s: float = HR_PERIOD_S,
) -> dict[str, Any]:
    """Run the gateways against simulated wearables for ``window_s``; raw observations."""
    wanted = sum(len(g.wearables) for g in gateways)
    async with fleet(gateways, s, notify_period_s) as (sim, runtimes):
        connect_s = await _wait_connected(runtimes, wanted, 20.0 + 2.0 * wanted)
        await asyncio.sleep(2.0)  # first notifications and the CGM back-fill settle
        out: dict[str, Any] = {
            "wearables": wanted,
            "connect_s": connect_s,
            "notify_period_s": notify_period_s,
        }
        out |= await _window(runtimes, sim, s, window_s)
        out["sends"] = await sim.sends()
        # Readings of the window's last notifications reach PostgreSQL within one upload
        # pause plus a round trip if the gateway keeps up; wait twice that.
        await asyncio.sleep(2 * s.upload_interval_s + DELIVERY_SLACK_S)
    return out


async def _window(
    runtimes: list[GatewayRuntime], sim: SimulatorProcess, s: LiveSettings, window_s: float
) -> dict[str, Any]:
    import os

    assert sim.proc is not None
    meter = CpuMeter(
        {
            "simulator": (sim.proc.pid, True),
            "gateway": (os.getpid(), False),
            "api": (s.api_pid, True),
            "database": (s.db_pid, True),
        }
    )
    depth0 = await _depth(runtimes)
    probe = LagProbe()
    meter.start()
    t0 = time.time()
    await asyncio.sleep(window_s)
    cores = meter.stop()
    t1 = time.time()
    return {
        "t0": t0,
        "t1": t1,
        "cores": cores,
        "loop_lag_ms": probe.stop(),
        "depth_start": depth0,
        "depth_end": await _depth(runtimes),
    }


def fetch_hr_rows(
    db_url: str, device_ids: Sequence[str], since_s: float
) -> list[tuple[str, float, float]]:
    """(device_id, measured_at epoch s, received_at epoch s) of heart-rate rows."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT device_id::text, extract(epoch FROM measured_at)::float8, "
            "extract(epoch FROM received_at)::float8 FROM readings "
            "WHERE metric = 'heart_rate' AND device_id = ANY(%s::uuid[]) "
            "AND measured_at >= to_timestamp(%s)",
            (list(device_ids), since_s),
        ).fetchall()
    return [(str(r[0]), float(r[1]), float(r[2])) for r in rows]


# --- analysis -------------------------------------------------------------------------

# A step is sustained when all of these hold (the gateway keeps up in real time):
MAX_LOSS = 0.01  # at most 1 % of notifications without a stored reading
MAX_LAG_P99_MS = 250.0  # a quarter of the notification period: beyond, notifications queue
MAX_GATEWAY_CORES = 0.9  # one Python event loop uses at most one core; keep 10 % headroom
# A reading kept up with reaches PostgreSQL within one upload pause (upload_interval_s)
# plus a batch round trip; 2 s covers the round trip on this machine with a wide margin.
DELIVERY_SLACK_S = 2.0
# Real time needs headroom on a shared machine: plan for 70 % of the cores (queueing
# delay at 70 % utilisation is ~2.3x the service time, M/M/1; it explodes towards 100 %).
PLANNING_UTILISATION = 0.7


def match_sends(
    sends: dict[str, list[float]],
    rows: Sequence[tuple[str, float, float]],
    address_of: dict[str, str],
    window: tuple[float, float],
    period_s: float = HR_PERIOD_S,
) -> dict[str, Any]:
    """Pair every heart-rate row with the strap notification it came from.

    A row's ``measured_at`` is the gateway's receive stamp; its notification is the last
    one its strap sent at or before it (straps notify once a second, so a pair further
    apart than ``period_s`` is counted ``unpaired`` instead). Only notifications sent inside
    ``window`` (epoch s) count.
    """
    import bisect

    by_device: dict[str, list[tuple[float, float]]] = {}
    for device_id, rx_s, commit_s in rows:
        by_device.setdefault(device_id, []).append((rx_s, commit_s))
    to_commit, to_rx = [], []
    sent = unpaired = 0
    for device_id, address in address_of.items():
        times = sorted(sends.get(address.upper(), []))
        sent += sum(window[0] <= t <= window[1] for t in times)
        paired: set[int] = set()
        for rx_s, commit_s in by_device.get(device_id, []):
            k = bisect.bisect_right(times, rx_s) - 1
            if k < 0 or not window[0] <= times[k] <= window[1] or k in paired:
                continue
            if rx_s - times[k] > period_s:
                unpaired += 1
                continue
            paired.add(k)
            to_commit.append(commit_s - times[k])
            to_rx.append(rx_s - times[k])
    return {
        "sent": sent,
        "stored": len(to_commit),
        "unpaired": unpaired,
        "delivered": len(to_commit) / sent if sent else float("nan"),
        "notify_to_commit_s": to_commit,
        "notify_to_rx_s": to_rx,
    }


def _observe(
    raw: dict[str, Any], gateways: Sequence[EnrolledGateway], db_url: str
) -> dict[str, Any]:
    straps = {w.device_id: w.address for g in gateways for w in g.wearables if w.kind == "hr"}
    rows = fetch_hr_rows(db_url, list(straps), raw["t0"] - 5.0)
    window = (raw["t0"], raw["t1"])
    paired = match_sends(raw["sends"], rows, straps, window, raw["notify_period_s"])
    keep = ("wearables", "connect_s", "cores", "loop_lag_ms", "depth_start", "depth_end")
    return {k: raw[k] for k in keep} | paired


async def latency_bench(
    homes: Sequence[EnrolledGateway], s: LiveSettings, window_s: float
) -> dict[str, Any]:
    """Item 2: notify-to-commit latency of a few homes at real-time speed."""
    progress(TAG, f"latency: {len(homes)} homes (HR + CGM each), {window_s:g} s at speed 1.0")
    obs = _observe(await live_run(homes, s, window_s), homes, s.db_url)
    rx_to_commit = [
        c - r for c, r in zip(obs["notify_to_commit_s"], obs["notify_to_rx_s"], strict=True)
    ]
    obs |= {
        "homes": len(homes),
        "window_s": window_s,
        "upload_interval_s": s.upload_interval_s,
        "latency_ms": percentiles_ms(obs["notify_to_commit_s"]),
        "notify_to_rx_ms": percentiles_ms(obs["notify_to_rx_s"]),
        "rx_to_commit_ms": percentiles_ms(rx_to_commit),
    }
    progress(
        TAG, f"latency p50 {obs['latency_ms']['p50']:.0f} ms, p95 {obs['latency_ms']['p95']:.0f} ms"
    )
    return obs


def verdict(step: dict[str, Any]) -> list[str]:
    """Why a ramp step did not keep up (empty: sustained)."""
    reasons = []
    if step["connect_s"] != step["connect_s"]:  # NaN: not all straps connected in time
        reasons.append("not all straps connected")
    if not step["delivered"] >= 1.0 - MAX_LOSS:
        reasons.append(f"delivered {step['delivered']:.3f}")
    late_ms = 1000.0 * (step["upload_interval_s"] + DELIVERY_SLACK_S)
    if not step["latency_ms"]["p95"] <= late_ms:
        reasons.append(f"notify->commit p95 {step['latency_ms']['p95']:.0f} ms")
    if step["loop_lag_ms"]["p99"] > MAX_LAG_P99_MS:
        reasons.append(f"loop lag p99 {step['loop_lag_ms']['p99']:.0f} ms")
    if step["cores"]["gateway"] > MAX_GATEWAY_CORES:
        reasons.append(f"gateway at {step['cores']['gateway']:.2f} cores")
    return reasons


async def ramp_step(
    gw: EnrolledGateway, s: LiveSettings, n: int, window_s: float, strap_hz: float
) -> dict[str, Any]:
    """One ramp step: the first ``n`` straps of ``gw`` for ``window_s``, judged."""
    progress(TAG, f"ramp: {n} HR straps at {strap_hz:g} Hz on one gateway, {window_s:g} s")
    raw = await live_run([gw.first(n)], s, window_s, 1.0 / strap_hz)
    obs = _observe(raw, [gw], s.db_url)
    obs["notifications_per_s"] = obs["sent"] / window_s
    obs["latency_ms"] = percentiles_ms(obs.pop("notify_to_commit_s"))
    obs["notify_to_rx_ms"] = percentiles_ms(obs.pop("notify_to_rx_s"))
    obs |= {"straps": n, "upload_interval_s": s.upload_interval_s}
    # Not the gateway's fault: the simulator process itself is out of CPU.
    obs["simulator_saturated"] = obs["cores"]["simulator"] > MAX_GATEWAY_CORES
    obs["falls_behind"] = verdict(obs)
    cores = ", ".join(f"{k} {v:.2f}" for k, v in obs["cores"].items())
    state = "; ".join(obs["falls_behind"]) or "sustained"
    progress(TAG, f"  connected in {obs['connect_s']:.0f} s; cores: {cores}; {state}")
    return obs


async def ramp_bench(
    gw: EnrolledGateway,
    s: LiveSettings,
    steps: Sequence[int],
    window_s: float,
    strap_hz: float = 1.0,
) -> dict[str, Any]:
    """Item 3: straps on one gateway, step by step, until it falls behind."""
    results = []
    for n in steps:
        results.append(await ramp_step(gw, s, n, window_s, strap_hz))
        if results[-1]["falls_behind"]:
            break
    ok = [r["straps"] for r in results if not r["falls_behind"]]
    return {"steps": results, "max_sustained_straps": max(ok, default=0)} | _marginal(results)


def _marginal(steps: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares gateway cores per strap, and the straps one core would carry."""
    import numpy as np

    ok = [r for r in steps if not r["falls_behind"]]
    if len(ok) < 2:
        return {}
    n = np.array([r["straps"] for r in ok], dtype=float)
    cores = np.array([r["cores"]["gateway"] for r in ok])
    slope, intercept = np.polyfit(n, cores, 1)
    return {
        "gateway_cores_per_strap": float(slope),
        "gateway_cores_fixed": float(intercept),
        "straps_at_gateway_limit": float((MAX_GATEWAY_CORES - intercept) / slope),
    }


def demo_capacity(latency: dict[str, Any], cpu_count: int) -> dict[str, Any]:
    """Homes this machine runs in real time, from the latency run's CPU per home.

    Two bounds: the machine's cores over the whole per-home cost (simulator, gateway, API,
    database), and ONE core over simulator + gateway, because ``wearmon demo`` runs every
    home's wearables and gateway in one Python process (wearmon/demo/gateways.py).
    """
    per_home = {k: v / latency["homes"] for k, v in latency["cores"].items()}
    total = sum(per_home.values())
    in_process = per_home["simulator"] + per_home["gateway"]
    machine = cpu_count / total
    one_process = 1.0 / in_process
    return {
        "cores_per_home": per_home,
        "cores_per_home_total": total,
        "homes_machine_bound_at_100pct": machine,
        "homes_demo_process_bound_at_100pct": one_process,
        "homes_real_time": int(PLANNING_UTILISATION * min(machine, one_process)),
        "planning_utilisation": PLANNING_UTILISATION,
    }


# --- running, reporting, plotting ------------------------------------------------------


async def live_benches(args: argparse.Namespace, steps: list[int]) -> dict[str, Any]:
    """Items 2 and 3 on one fresh database and one API server."""
    import os

    out: dict[str, Any] = {}
    with fresh_database(args.database_url, TAG) as db:
        homes, ramp_gw = enrol(db.url, args.homes, max(steps, default=0))
        no_workers = {"WEARMON_ALERT_WORKERS": "0"}  # the bench measures ingestion only
        with (
            api_process(db.url, env=no_workers, quiet=True) as api,
            tempfile.TemporaryDirectory() as tmp,
        ):
            s = LiveSettings(
                api.url, api.pid, db.postmaster_pid, db.url, args.upload_interval_s, Path(tmp)
            )
            if "latency" not in args.skip:
                out["latency"] = await latency_bench(homes, s, args.latency_s)
                out["demo_machine"] = demo_capacity(out["latency"], os.cpu_count() or 1)
            if "ramp" not in args.skip and steps:
                out["ramp"] = await ramp_bench(ramp_gw, s, steps, args.window_s, args.strap_hz)
    return out


def plot(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write bench/out/gateway_latency.png and gateway_ramp.png; return the files written."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "latency" in results:
        written.append(_plot_latency(results["latency"], out_dir / "gateway_latency.png"))
    if "ramp" in results:
        written.append(_plot_ramp(results["ramp"]["steps"], out_dir / "gateway_ramp.png"))
    return written


def _plot_latency(lat: dict[str, Any], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (
        ("notify_to_commit_s", "notify -> commit"),
        ("notify_to_rx_s", "notify -> gateway"),
    ):
        ms = sorted(1000.0 * v for v in lat[key])
        ax.plot(ms, [(i + 1) / len(ms) for i in range(len(ms))], label=label)
    title = f"HR readings, {lat['homes']} homes, upload_interval_s {lat['upload_interval_s']:g}"
    ax.set(xscale="log", xlabel="latency (ms)", ylabel="cumulative fraction", title=title)
    ax.legend()
    return _save(fig, path)


def _plot_ramp(steps: list[dict[str, Any]], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, (cpu, lat) = plt.subplots(1, 2, figsize=(11, 4))
    n = [r["straps"] for r in steps]
    for proc in ("gateway", "simulator", "api", "database"):
        cpu.plot(n, [r["cores"][proc] for r in steps], marker="o", label=proc)
    cpu.axhline(MAX_GATEWAY_CORES, color="grey", linestyle=":", label="gateway limit")
    cpu.set(xscale="log", yscale="log", xlabel="HR straps on one gateway", ylabel="CPU (cores)")
    cpu.legend()
    for key, label in (("p50", "notify -> commit p50"), ("p95", "notify -> commit p95")):
        lat.plot(n, [r["latency_ms"][key] for r in steps], marker="o", label=label)
    lat.plot(n, [r["loop_lag_ms"]["p99"] for r in steps], marker="s", label="loop lag p99")
    lat.set(xscale="log", yscale="log", xlabel="HR straps on one gateway", ylabel="ms")
    lat.legend()
    for ax in (cpu, lat):
        ax.set_xticks(n, labels=[str(x) for x in n])
        ax.minorticks_off()
    fig.suptitle("One gateway at real-time speed (1 notification/s per strap)")
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def _strip_samples(results: dict[str, Any]) -> dict[str, Any]:
    """The results without per-reading samples (for --json)."""
    out: dict[str, Any] = json.loads(json.dumps(results))
    for key in ("notify_to_commit_s", "notify_to_rx_s"):
        out.get("latency", {}).pop(key, None)
    return out


def summary(results: dict[str, Any]) -> list[str]:
    """Human-readable lines."""
    lines = []
    for kind, res in results.get("throughput", {}).items():
        for feed in ("decode", "decode_convert", "live", "burst"):
            r = res[feed]
            ratio = f" ({r['ratio_vs_decode']:.3f} of decode)" if "ratio_vs_decode" in r else ""
            lines.append(
                f"{kind:3s} {feed:14s} {r['notifications_per_cpu_s']:>10,.0f} notif/CPU-s "
                f"{r['readings_per_cpu_s']:>10,.0f} readings/CPU-s{ratio}"
            )
    if "latency" in results:
        lat = results["latency"]
        lines.append(
            f"latency notify->commit p50 {lat['latency_ms']['p50']:.0f} ms, p95 "
            f"{lat['latency_ms']['p95']:.0f} ms (n={lat['latency_ms']['n']}, "
            f"delivered {lat['delivered']:.3f}); notify->gateway p50 "
            f"{lat['notify_to_rx_ms']['p50']:.1f} ms, p95 {lat['notify_to_rx_ms']['p95']:.1f} ms"
        )
    if "demo_machine" in results:
        d = results["demo_machine"]
        lines.append(
            f"cores per home {d['cores_per_home_total']:.3f} -> {d['homes_real_time']} homes "
            f"in real time at {d['planning_utilisation']:.0%} of the machine"
        )
    if "ramp" in results:
        ramp = results["ramp"]
        lines.append(f"ramp: max sustained {ramp['max_sustained_straps']} straps on one gateway")
        if "gateway_cores_per_strap" in ramp:
            lines.append(
                f"ramp: {1000 * ramp['gateway_cores_per_strap']:.2f} gateway millicores per "
                f"strap -> ~{ramp['straps_at_gateway_limit']:.0f} straps at "
                f"{MAX_GATEWAY_CORES:g} core (extrapolated)"
            )
    return lines


def _default_upload_interval_s() -> float:
    import dataclasses

    (field,) = (f for f in dataclasses.fields(GatewayConfig) if f.name == "upload_interval_s")
    return float(field.default)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    parser.add_argument("--plot", action="store_true", help="write bench/out/gateway_*.png")
    parser.add_argument("--quick", action="store_true", help="short run: 20 s latency, ramp 2,8,16")
    parser.add_argument(
        "--hr-notifications", type=int, default=3000, help="HR notifications in item 1"
    )
    parser.add_argument("--latency-s", type=float, default=60.0, help="latency window, s")
    parser.add_argument("--homes", type=int, default=3, help="homes (HR + CGM) in the latency run")
    parser.add_argument("--ramp", default="2,8,16,32,64", help="straps per ramp step")
    parser.add_argument("--window-s", type=float, default=10.0, help="ramp window per step, s")
    parser.add_argument(
        "--upload-interval-s",
        type=float,
        default=_default_upload_interval_s(),
        help="gateway upload pause when the outbox is empty (default: GatewayConfig's)",
    )
    parser.add_argument(
        "--strap-hz",
        type=float,
        default=1.0,
        help="ramp notifications per strap per second (above 1: a load multiplier)",
    )
    parser.add_argument("--skip", default="", help="comma list of throughput,latency,ramp")
    parser.add_argument("--database-url", default=None, help="default: embedded PostgreSQL")
    parser.add_argument("--simulate", help=argparse.SUPPRESS)  # the simulator child process
    args = parser.parse_args()
    if args.simulate:
        simulate_main(args.simulate)
        return
    if args.quick:
        args.latency_s, args.ramp, args.window_s, args.hr_notifications = 20.0, "2,8,16", 8.0, 1000
    args.skip = set(filter(None, args.skip.split(",")))
    steps = [int(n) for n in args.ramp.split(",") if n]
    results: dict[str, Any] = {}
    if "throughput" not in args.skip:
        results["throughput"] = asyncio.run(throughput(args.hr_notifications))
    if not {"latency", "ramp"} <= args.skip:
        results |= asyncio.run(live_benches(args, steps))
    if args.plot:
        for path in plot(results, OUT_DIR):
            progress(TAG, f"wrote {path}")
    if args.json:
        print(json.dumps(_strip_samples(results), indent=2))
    else:
        print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
