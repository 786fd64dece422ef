"""The pilot demo: its parts, and a short real run end to end."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from pathlib import Path

import httpx
import numpy as np
import psycopg
import pytest

from simulators.physiology import HeartModel, HeartParams
from simulators.physiology.scenarios import FaultKind, FaultWindow
from wearmon.demo.faults import FaultyTransport, Uplink, play_faults
from wearmon.demo.history import heart_history
from wearmon.demo.runner import DemoOptions, run_demo


def test_history_has_one_rr_per_beat_with_contact_and_one_hr_per_second() -> None:
    model = HeartModel(HeartParams(), seed=7)
    start = 1_790_000_000.0
    chunks = list(heart_history("dev", model, start, start + 600))
    readings = [r for chunk in chunks for r in chunk]
    trace = model.generate(start, 600)
    rr = [r for r in readings if r.metric == "rr_interval"]
    hr = [r for r in readings if r.metric == "heart_rate"]
    assert len(rr) == int(trace.contact.sum())
    assert len(hr) == len(np.unique(np.floor(trace.beat_s)))
    assert all("backfilled" in r.flags for r in readings)
    assert len({r.measured_at for r in rr}) == len(rr)  # natural keys stay distinct


async def test_faulty_transport_fails_like_a_network_and_like_an_api() -> None:
    inner = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    transport = FaultyTransport(inner)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        assert (await client.get("/x")).status_code == 200
        transport.uplink = Uplink.NETWORK_DOWN
        with pytest.raises(httpx.ConnectError):
            await client.get("/x")
        transport.uplink = Uplink.API_DOWN
        assert (await client.get("/x")).status_code == 503


async def test_faults_begin_and_end_at_their_offsets() -> None:
    slept: list[float] = []
    applied: list[tuple[float, FaultKind, bool]] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    async def apply(kind: FaultKind, begins: bool) -> None:
        applied.append((sum(slept), kind, begins))

    await play_faults(
        [
            FaultWindow(100, 50, FaultKind.NETWORK_DOWN),
            FaultWindow(10, 20, FaultKind.RADIO_OUT_OF_RANGE),
        ],
        apply,
        sleep,
    )
    assert applied == [
        (10, FaultKind.RADIO_OUT_OF_RANGE, True),
        (30, FaultKind.RADIO_OUT_OF_RANGE, False),
        (100, FaultKind.NETWORK_DOWN, True),
        (150, FaultKind.NETWORK_DOWN, False),
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.db
@pytest.mark.ble
@pytest.mark.slow
async def test_a_short_demo_stores_every_stream_of_every_participant_once(
    db_url: str, tmp_path: Path
) -> None:
    options = DemoOptions(
        participants=3,
        history_days=0.02,
        minutes=0.75,
        host="127.0.0.1",
        port=_free_port(),
        work_dir=tmp_path,
        manifest=tmp_path / "m.json",
        seed=11,
        progress_s=10.0,
    )
    async with asyncio.timeout(180):
        await run_demo(options, db_url)
    manifest = json.loads((tmp_path / "m.json").read_text())
    scenarios = [p["scenario"] for p in manifest["participants"]]
    assert len(scenarios) == 3
    assert all(scenarios)
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT participant_id, metric, count(*) FROM readings GROUP BY 1, 2"
        ).fetchall()
        dupes = conn.execute(
            "SELECT count(*) - count(DISTINCT (device_id, metric, measured_at)) FROM readings"
        ).fetchone()
    have = {(str(p), m) for p, m, n in rows if n > 0}
    for entry in manifest["participants"]:
        pid = str(uuid.UUID(entry["participant_id"]))
        for metric in ("heart_rate", "rr_interval", "glucose"):
            assert (pid, metric) in have, (entry["label"], metric)
    assert dupes == (0,)
