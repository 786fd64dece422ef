"""Shared fixtures for the gateway tests: outbox on a temp path, sample readings."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.outbox import Outbox
from gateway.reading import Reading

DEVICE_HR = "7d0f3e4e-2f0c-4bd6-9d1e-0b8f8e1c2a01"
DEVICE_CGM = "7d0f3e4e-2f0c-4bd6-9d1e-0b8f8e1c2a02"
T0 = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)

OpenOutbox = Callable[..., Outbox]


class FixedClock:
    """A settable clock returning aware datetimes."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def heart_rates(n: int, start: dt.datetime = T0, device_id: str = DEVICE_HR) -> list[Reading]:
    """``n`` heart-rate readings one second apart, values 60, 61, ..."""
    return [
        Reading(device_id, "heart_rate", start + dt.timedelta(seconds=i), float(60 + i % 100))
        for i in range(n)
    ]


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def open_outbox(outbox_path: Path) -> Iterator[OpenOutbox]:
    """Open (and on teardown close) outboxes on the same file: reopening simulates a restart."""
    opened: list[Outbox] = []

    def _open(max_rows: int = 10_000, clock: Callable[[], dt.datetime] | None = None) -> Outbox:
        box = Outbox(
            outbox_path, gateway_id="gw-test", max_rows=max_rows, clock=clock or FixedClock()
        )
        opened.append(box)
        return box

    yield _open
    for box in opened:
        with contextlib.suppress(Exception):  # already closed by the test
            box.close()


@pytest.fixture
def box(open_outbox: OpenOutbox) -> Outbox:
    """One open outbox on the test's temp file."""
    return open_outbox()
