"""Building blocks of the end-to-end tests: enrolment, API server, wearables, waiting.

Everything is the real thing: virtual wearables with real GATT servers on a simulated
radio (simulators.ble), the real gateway (``gateway.app.run_gateway`` on the project's
Bumble backend for bleak; see ``tests/e2e/gateway_runner.py``), the real API under
uvicorn, and PostgreSQL (checked with ``tests/e2e/readings.py``). Only time is faster:
each wearable runs on a :class:`SimClock`.

Clocks: the gateway stamps heart-rate readings with its own clock at receive time, so
it is given the heart-rate sensor's clock (``hr_clock.now``); otherwise RR intervals
timed from a 25x faster sensor would overlap on the gateway's real-time axis. The CGM
runs on its own, faster clock (its readings carry device time: session start + offset,
as on a real sensor). Both clocks start hours in the past so that no reading is more
than the API's 5-minute future tolerance ahead of the server's real clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import struct
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from bumble import gatt
from bumble.core import UUID

from ingest.settings import ServerSettings
from ingest.storage.enrolment import (
    ParticipantIdentity,
    enrol_device,
    enrol_gateway,
    enrol_participant,
)
from simulators.ble import (
    CgmSensor,
    DeviceInfo,
    GlucoseReading,
    HeartRateSensor,
    SimClock,
    VirtualWearable,
    static_random_address,
)
from simulators.ble.peripherals.heart_rate import Beat
from tests.e2e.receipts import ReceiptLog
from tests.ingest.conftest import serve_in_thread

HR_ADDRESS = static_random_address(1)
CGM_ADDRESS = static_random_address(2)
HR_INFO = DeviceInfo("Acme Medical", "HR-100", "HR0001", "1.2.3")
CGM_INFO = DeviceInfo("Acme Medical", "CG-200", "CG0001", "4.5.6")

# Simulated seconds per real second. HR: one notification per simulated second
# (HRS 1.0 3.1.1) -> 25 per real second. CGM: one record per 5 simulated minutes ->
# one per real second at 300x.
HR_SPEED = 25.0
CGM_SPEED = 300.0
# Clocks start this far in the past: at these speeds a test may run ~2 real minutes
# before its readings pass the API's 5-minute future tolerance (ServerSettings).
CLOCK_LEAD = dt.timedelta(hours=1)
CGM_CLOCK_LEAD = dt.timedelta(hours=10)
HR_NOTIFY_PERIOD_S = 1.0  # HRS 1.0 3.1.1: one measurement per second
CGM_PERIOD_MIN = 5  # the simulated CGM (and common CGMs) record every 5 minutes
# RR intervals exact in the HRS unit of 1/1024 s (750 ms = 768/1024, ...), so the
# gateway's decoded milliseconds equal the feed's; all inside the API's 200-3000 ms.
RR_CYCLE_MS = (750.0, 812.5, 875.0, 1000.0, 937.5)
RACP_UUID16 = 0x2A52  # Record Access Control Point (docs/ble.md)
# RACP requests (docs/ble.md): op code 1 "report stored records" with operator 1
# "all", or operator 3 ">=" on filter type 1 (time offset, uint16 little-endian).
REPORT_ALL = bytes([0x01, 0x01])
REPORT_FROM = struct.Struct("<BBBH")
BATTERY_LEVEL_UUID16 = 0x2A19  # Battery Level (docs/ble.md)


# --- enrolment -----------------------------------------------------------------------
@dataclass(frozen=True)
class Home:
    """One enrolled participant, the two wearables' server ids, and the gateway."""

    participant_id: uuid.UUID
    hr_device: str
    cgm_device: str
    gateway_id: str
    token: str


def enrol_e2e_home(db_url: str) -> Home:
    """Enrol a participant with the virtual wearables' real addresses and one gateway."""
    with psycopg.connect(db_url) as conn:
        pid = enrol_participant(
            conn,
            study_id="seoul-pilot",
            identity=ParticipantIdentity("Kim Young-ja", 1946, "F", "Mapo-gu", None),
            time_zone="Asia/Seoul",
            actor="e2e",
        )
        devices = [
            enrol_device(
                conn,
                participant_id=pid,
                kind=kind,
                address=address,
                model=info.model,
                serial=info.serial,
                actor="e2e",
            )
            for kind, address, info in (("hr", HR_ADDRESS, HR_INFO), ("cgm", CGM_ADDRESS, CGM_INFO))
        ]
        gid, token = enrol_gateway(conn, participant_ids=[pid], actor="e2e")
    return Home(pid, str(devices[0]), str(devices[1]), str(gid), token)


# --- the API server ----------------------------------------------------------------------
class ApiServer:
    """The real API under uvicorn in a thread; can be stopped and started on one port."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{settings.port}"
        #: Every answer to an uploaded batch, across restarts.
        self.receipts = ReceiptLog()
        self._run: Iterator[str] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Serve (blocking until uvicorn has started; call it in a thread from async code)."""
        with self._lock:
            if self._run is None:
                run = serve_in_thread(self.settings, wrap=self.receipts.wrap)
                self.url = next(run)
                self._run = run

    def stop(self) -> None:
        """Shut uvicorn down and wait for its thread (blocking)."""
        with self._lock:
            run, self._run = self._run, None
        if run is not None:
            with contextlib.suppress(StopIteration):
                next(run)


# --- feeds and wearables -------------------------------------------------------------
def fixed_beats(count: int, contact: bool = True) -> list[Beat]:
    """``count`` beats cycling through :data:`RR_CYCLE_MS`, HR = 60000 / RR rounded."""
    beats = []
    for i in range(count):
        rr_ms = RR_CYCLE_MS[i % len(RR_CYCLE_MS)]
        beats.append(Beat(rr_ms, round(60_000.0 / rr_ms), contact))
    return beats


def fixed_cgm(first_offset_min: int, count: int) -> list[GlucoseReading]:
    """``count`` records 5 minutes apart with distinct whole mg/dL values (100, 101, ...)."""
    return [
        GlucoseReading(first_offset_min + CGM_PERIOD_MIN * i, 100.0 + i, -0.5, 95.0)
        for i in range(count)
    ]


def hr_sensor(clock: SimClock, beats: Sequence[tuple[float, int, bool]]) -> HeartRateSensor:
    """A heart-rate strap that starts its feed at the first subscription (exact counts)."""
    return HeartRateSensor(
        beats,
        clock=clock,
        name="HRM-0001",
        address=HR_ADDRESS,
        info=HR_INFO,
        notify_period_s=HR_NOTIFY_PERIOD_S,
        start_on_subscribe=True,
    )


def cgm_sensor(
    clock: SimClock, readings: Sequence[GlucoseReading], session_start_utc: dt.datetime
) -> CgmSensor:
    """A CGM whose records are taken at ``session_start_utc + offset`` on ``clock``."""
    return CgmSensor(
        readings,
        clock=clock,
        session_start_utc=session_start_utc,
        name="CGM-0001",
        address=CGM_ADDRESS,
        info=CGM_INFO,
    )


def session_start_before(clock: SimClock, minutes: float) -> dt.datetime:
    """A whole-second session start ``minutes`` before ``clock``'s now.

    Session Start Time has one-second resolution (docs/ble.md), so a whole second
    makes ``measured_at - session start`` an exact number of minutes on the server.
    """
    return (clock.now() - dt.timedelta(minutes=minutes)).replace(microsecond=0)


def find_characteristic(wearable: VirtualWearable, uuid16: int) -> gatt.Characteristic[Any]:
    """The wearable's GATT characteristic with 16-bit UUID ``uuid16`` (sensor side)."""
    wanted = UUID.from_16_bits(uuid16)
    for attribute in wearable.device.gatt_server.attributes:
        if isinstance(attribute, gatt.Characteristic) and attribute.uuid == wanted:
            return attribute
    raise LookupError(f"{wearable.name} has no characteristic 0x{uuid16:04X}")


@dataclass
class GattLog:
    """What a gateway wrote to and read from one characteristic, seen by the wearable."""

    writes: list[bytes] = field(default_factory=list)
    reads: int = 0

    @classmethod
    def attach(cls, wearable: VirtualWearable, uuid16: int) -> GattLog:
        """Start logging the characteristic (after the wearable is on the radio)."""
        log = cls()
        char = find_characteristic(wearable, uuid16)
        char.on(char.EVENT_WRITE, lambda _conn, value: log.writes.append(bytes(value)))
        char.on(char.EVENT_READ, lambda _conn, _value: log._count_read())
        return log

    def _count_read(self) -> None:
        self.reads += 1


# --- waiting ---------------------------------------------------------------------------
# Per-test bound (pytest-timeout is not a project dependency): each test takes 3-10 s
# on an idle 2-core machine and under 20 s with the other core busy.
TEST_TIMEOUT_S = 60.0


def time_limit(
    seconds: float = TEST_TIMEOUT_S,
) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[None]]]:
    """Decorate an async test so that it fails (TimeoutError) after ``seconds``."""

    def wrap(test: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(test)
        async def limited(*args: Any, **kwargs: Any) -> None:
            async with asyncio.timeout(seconds):
                await test(*args, **kwargs)

        return limited

    return wrap


POLL_S = 0.05  # state changes come every 40 ms (HR at 25x) or slower


async def wait_until(
    check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 20.0
) -> None:
    """Poll ``check`` until it is true; fail naming ``what`` after ``timeout_s``."""
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                if await check():
                    return
                await asyncio.sleep(POLL_S)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}") from None
