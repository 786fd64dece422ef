"""What the database must end up with, and what it holds: exact per-metric comparisons."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg

from simulators.ble import GlucoseReading
from simulators.ble.peripherals.heart_rate import Beat, group_beats
from tests.e2e.harness import HR_NOTIFY_PERIOD_S, Home, wait_until


# --- what the server must end up with --------------------------------------------------
@dataclass(frozen=True)
class Expected:
    """The exact readings the database must hold, derived from the wearables' feeds."""

    hr_bpm: tuple[float, ...] = ()
    rr_ms: tuple[float, ...] = ()
    glucose_by_offset: dict[int, float] = field(default_factory=dict)
    battery_reads: dict[str, int] = field(default_factory=dict)


def expected_heart(beats: Sequence[Beat]) -> Expected:
    """HR values per notification and RR per beat, as the strap reports them."""
    reports = list(group_beats(beats, HR_NOTIFY_PERIOD_S))
    return Expected(
        hr_bpm=tuple(float(r.hr_bpm) for r in reports),
        rr_ms=tuple(b.rr_ms for b in beats),
    )


def expected_cgm(readings: Sequence[GlucoseReading]) -> dict[int, float]:
    """Glucose by time offset."""
    return {r.offset_min: r.glucose_mg_dl for r in readings}


# --- the database ------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One stored reading."""

    device_id: str
    metric: str
    measured_at: dt.datetime
    value: float | None
    flags: int


@dataclass(frozen=True)
class Stored:
    """All stored readings of a test database plus natural-key duplicate counts."""

    rows: tuple[Row, ...]

    def of(self, device_id: str, metric: str) -> list[Row]:
        """Rows of one device and metric ordered by time."""
        return sorted(
            (r for r in self.rows if r.device_id == device_id and r.metric == metric),
            key=lambda r: r.measured_at,
        )

    def count(self, metric: str) -> int:
        """Rows of one metric, all devices."""
        return sum(1 for r in self.rows if r.metric == metric)


def fetch_stored(db_url: str) -> Stored:
    """Read every stored reading (blocking; use ``await stored(db_url)`` from tests)."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT device_id::text, metric, measured_at, value, flags FROM readings"
        ).fetchall()
    return Stored(tuple(Row(*r) for r in rows))


async def stored(db_url: str) -> Stored:
    """:func:`fetch_stored` off the event loop (the radio and gateway keep running)."""
    return await asyncio.to_thread(fetch_stored, db_url)


def offsets_of(rows: Sequence[Row], session_start_utc: dt.datetime) -> dict[int, Row]:
    """Glucose rows by whole-minute time offset from the session start."""
    out = {}
    for row in rows:
        minutes, rest = divmod((row.measured_at - session_start_utc).total_seconds(), 60.0)
        assert rest == 0.0, f"{row.measured_at} is not a whole minute after {session_start_utc}"
        out[int(minutes)] = row
    return out


def mismatches(
    got: Stored, expected: Expected, home: Home, session_start_utc: dt.datetime | None
) -> list[str]:
    """What differs between the database and ``expected`` (empty when they agree)."""
    problems = []
    hr = tuple(r.value for r in got.of(home.hr_device, "heart_rate"))
    if hr != expected.hr_bpm:
        problems.append(f"heart_rate {len(hr)} rows {hr} != {len(expected.hr_bpm)} expected")
    # RR intervals as a multiset: the gateway times each beat from the notification's
    # receive time, and at HR_SPEED a few ms of scheduling delay under load become
    # hundreds of simulated ms, enough to swap two beats of adjacent notifications.
    rr = Counter(r.value for r in got.of(home.hr_device, "rr_interval"))
    if rr != Counter(expected.rr_ms):
        problems.append(f"rr_interval {rr} != {Counter(expected.rr_ms)} expected")
    if session_start_utc is not None:
        glucose = got.of(home.cgm_device, "glucose")
        by_offset = {o: r.value for o, r in offsets_of(glucose, session_start_utc).items()}
        if len(glucose) != len(expected.glucose_by_offset) or by_offset != dict(
            expected.glucose_by_offset
        ):
            problems.append(f"glucose {by_offset} != {expected.glucose_by_offset}")
    for device, reads in expected.battery_reads.items():
        n = len(got.of(device, "battery"))
        if n != reads:
            problems.append(f"battery rows of {device}: {n} != {reads} reads served")
    return problems


async def wait_for_exact(
    db_url: str,
    expected: Callable[[], Expected],
    home: Home,
    session_start_utc: dt.datetime | None,
    timeout_s: float = 20.0,
) -> None:
    """Wait until the database holds exactly ``expected()``; fail listing what differs."""
    problems: list[str] = []

    async def exact() -> bool:
        problems[:] = mismatches(await stored(db_url), expected(), home, session_start_utc)
        return not problems

    try:
        await wait_until(exact, "the database to hold exactly the expected readings", timeout_s)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still differing: {problems}") from None
