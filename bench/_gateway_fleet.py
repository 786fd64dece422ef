"""Real runs for the gateway benchmarks: enrolled homes, the simulator process,
gateways in this process, and what reached PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._common import (
    CGM_HISTORY_MIN,
    COHORT_SEED,
    CpuMeter,
    SimulatorProcess,
    percentiles_ms,
)
from bench._gateway_consts import DELIVERY_SLACK_S, HR_PERIOD_S
from gateway.app import GatewayRuntime, run_gateway
from gateway.config import DeviceConfig, GatewayConfig
from gateway.policy import ConnectionPolicy

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
