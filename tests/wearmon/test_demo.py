"""The pilot demo: its parts, and a short real run end to end."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from pathlib import Path

import httpx
import numpy as np
import psycopg
import pytest

from ingest.auth.passwords import verify_password
from simulators.physiology import EpisodeSpec, HeartModel, HeartParams
from simulators.physiology.scenarios import FaultKind, FaultWindow
from wearmon.api_process import free_port
from wearmon.cli import main
from wearmon.demo.clinician import USERNAME
from wearmon.demo.faults import FaultyTransport, Uplink, play_faults
from wearmon.demo.history import heart_history
from wearmon.demo.runner import DemoOptions, run_demo


def test_history_is_what_the_gateway_makes_of_the_straps_notifications() -> None:
    # Contact lost many times a day, so ten minutes hold beats with and without it.
    often = EpisodeSpec(per_day=1000, duration_min=(0.5, 1.0), onset_h=(0.0, 24.0))
    model = HeartModel(HeartParams(contact_loss=often), seed=7)
    start = 1_790_000_000.0
    chunks = list(heart_history("dev", model, start, start + 600))
    readings = [r for chunk in chunks for r in chunk]
    trace = model.generate(start, 600)
    rr = [r for r in readings if r.metric == "rr_interval"]
    hr = [r for r in readings if r.metric == "heart_rate"]
    # Every beat, with skin contact or not (gateway.convert flags the latter), in the
    # strap's 1/1024 s resolution as the gateway's codec decodes it.
    assert len(rr) == trace.rr_ms.size
    expected_ms = np.rint(trace.rr_ms * 1024 / 1000) * 1000 / 1024
    np.testing.assert_allclose(np.array([r.value for r in rr], dtype=float), expected_ms, atol=1e-9)
    # The strap reports contact per notification: the newest beat's, for every beat of it.
    second = np.floor(trace.beat_s)
    newest = np.searchsorted(second, second, side="right") - 1
    assert [("no_contact" in r.flags) for r in rr] == (~trace.contact[newest]).tolist()
    assert (~trace.contact).any()  # the model loses contact now and then: both kinds seen
    # One heart-rate reading per once-a-second notification.
    hr_s = np.array([r.measured_at.timestamp() for r in hr])
    assert abs(hr_s.size - 600) <= 1
    np.testing.assert_allclose(np.diff(hr_s), 1.0, atol=1e-6)
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
        port=free_port(),
        work_dir=tmp_path,
        manifest=tmp_path / "m.json",
        seed=11,
        progress_s=10.0,
        clinician_password=CLINICIAN_PASSWORD,
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
    have = {(str(p), m) for p, m, n in rows if n > 0}
    for entry in manifest["participants"]:
        pid = str(uuid.UUID(entry["participant_id"]))
        for metric in ("heart_rate", "rr_interval", "glucose"):
            assert (pid, metric) in have, (entry["label"], metric)
    assert_clinician_sees_the_cohort(
        db_url, {str(uuid.UUID(p["participant_id"])) for p in manifest["participants"]}
    )


CLINICIAN_PASSWORD = "correct horse battery staple"


def assert_clinician_sees_the_cohort(db_url: str, participants: set[str]) -> None:
    with psycopg.connect(db_url) as conn:
        account = conn.execute(
            "SELECT role, password_hash FROM accounts WHERE username = %s", (USERNAME,)
        ).fetchone()
        assigned = conn.execute(
            "SELECT tp.participant_id::text FROM team_participants tp "
            "JOIN care_teams t USING (team_id) JOIN team_members m USING (team_id) "
            "JOIN accounts a USING (account_id) WHERE a.username = %s",
            (USERNAME,),
        ).fetchall()
    assert account is not None
    assert account[0] == "clinician"
    assert verify_password(CLINICIAN_PASSWORD, str(account[1]))[0]
    assert {r[0] for r in assigned} == participants


def test_a_weak_clinician_password_on_stdin_is_refused_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--clinician-password-stdin", "--data-dir", str(tmp_path / "d")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("wearmon: error: --clinician-password-stdin: the password has 5")
    assert not (tmp_path / "d").exists()
