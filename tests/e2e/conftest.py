"""The end-to-end stack: a fresh database, the real API serving it, a virtual radio.

``stack`` yields the API URL, the database URL, the radio (no wearables yet), the enrolled
home (participant, the wearables' server ids, the gateway's id and token) and the two
simulated clocks; tests add wearables and start the gateway themselves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulators.ble import SimClock, VirtualRadio
from tests.e2e.harness import (
    CGM_CLOCK_LEAD,
    CGM_SPEED,
    CLOCK_LEAD,
    HR_SPEED,
    ApiServer,
    Home,
    enrol_e2e_home,
)
from tests.ingest.conftest import make_settings


@dataclass
class Stack:
    """Everything a test drives: server, database, radio, enrolment, clocks."""

    api: ApiServer
    db_url: str
    radio: VirtualRadio
    home: Home
    hr_clock: SimClock
    cgm_clock: SimClock
    outbox_path: Path

    @property
    def api_url(self) -> str:
        return self.api.url


@pytest.fixture
async def stack(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    home = await asyncio.to_thread(enrol_e2e_home, db_url)
    server = ApiServer(make_settings(db_url))
    await asyncio.to_thread(server.start)
    now = dt.datetime.now(dt.UTC)
    try:
        async with VirtualRadio() as radio:
            yield Stack(
                api=server,
                db_url=db_url,
                radio=radio,
                home=home,
                hr_clock=SimClock(now - CLOCK_LEAD, speed=HR_SPEED),
                cgm_clock=SimClock(now - CGM_CLOCK_LEAD, speed=CGM_SPEED),
                outbox_path=tmp_path / "outbox.sqlite3",
            )
    finally:
        await asyncio.to_thread(server.stop)
