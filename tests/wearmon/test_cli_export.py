"""``wearmon export`` and ``wearmon enroll withdraw`` from the command line, with --json."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.storage.gateways import DeviceOwner, bound_devices
from tests.ingest.export.conftest import Cohort, build_cohort
from wearmon.cli import main

pytestmark = pytest.mark.db


@pytest.fixture
def cohort(db_url: str) -> Cohort:
    return build_cohort(db_url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(list(argv)) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def fail(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    assert info.value.code == 2
    return capsys.readouterr().err


def test_custodian_creates_runs_lists_and_destroys(
    cohort: Cohort, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--database-url", cohort.url, "--json")
    created = run(
        capsys,
        "export",
        "create",
        "--name",
        "cli",
        "--purpose",
        "HRV study",
        "--approval-id",
        "IRB-7",
        "--recipient",
        "rita.researcher",
        "--destroy-after",
        "2099-01-01",
        "--format",
        "csv,parquet",
        *db,
    )
    assert created["k"] == 5
    assert created["formats"] == ["csv", "parquet"]
    result = run(capsys, "export", "run", "--name", "cli", "--out", str(tmp_path / "o"), *db)
    manifest = Path(str(result["manifest"]))
    assert manifest == tmp_path / "o" / "manifest.json"
    assert json.loads(manifest.read_text())["risk"]["k_achieved"] >= 5
    listed = run(capsys, "export", "list", *db)
    assert [p["name"] for p in listed["projects"]] == ["cli"]
    gone = run(capsys, "export", "destroy", "--name", "cli", *db)
    assert gone["removed_dirs"] == [str((tmp_path / "o").resolve())]
    assert not (tmp_path / "o").exists()
    with psycopg.connect(cohort.url) as conn:
        assert conn.execute("SELECT count(*) FROM custodian.export_keys").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM custodian.date_offsets").fetchone() == (0,)
    err = fail(capsys, "export", "run", "--name", "cli", "--out", str(tmp_path / "p"), *db)
    assert "was destroyed" in err


def test_bad_export_arguments_are_named(
    cohort: Cohort, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--database-url", cohort.url)
    base = (
        "export",
        "create",
        "--name",
        "x",
        "--purpose",
        "p",
        "--approval-id",
        "a",
        "--destroy-after",
        "2099-01-01",
    )
    assert "excel" in fail(
        capsys, *base, "--recipient", "rita.researcher", "--format", "excel", *db
    )
    assert "is a clinician account" in fail(capsys, *base, "--recipient", "cleo.clinician", *db)
    err = fail(capsys, "export", "run", "--name", "nope", "--out", str(tmp_path / "o"), *db)
    assert "wearmon: error: no export project named 'nope'" in err


def test_withdrawal_refuses_readings_and_is_idempotent(
    cohort: Cohort, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = cohort.participants[0]
    devices = [d for d, p in cohort.devices.items() if p == pid]
    db = ("--database-url", cohort.url, "--json")
    out = run(capsys, "enroll", "withdraw", "--participant", str(pid), *db)
    assert out["new"] is True
    again = run(capsys, "enroll", "withdraw", "--participant", str(pid), *db)
    assert again["new"] is False
    assert again["withdrawn_at"] == out["withdrawn_at"]

    async def allowed() -> dict[uuid.UUID, DeviceOwner]:
        async with await psycopg.AsyncConnection.connect(cohort.url) as conn:
            cur = await conn.execute(
                "SELECT gateway_id FROM gateway_participants WHERE participant_id = %s", (pid,)
            )
            row = await cur.fetchone()
            assert row is not None
            return await bound_devices(conn, uuid.UUID(str(row[0])), devices)

    assert asyncio.run(allowed()) == {}
    err = fail(capsys, "enroll", "withdraw", "--participant", str(uuid.uuid4()), *db)
    assert "is not enrolled" in err
