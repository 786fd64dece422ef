"""``wearmon enroll`` and ``wearmon db upgrade`` from the command line, with --json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from wearmon.cli import main

pytestmark = pytest.mark.db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(list(argv)) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_enrolment_prints_ids_and_a_token_whose_hash_only_is_stored(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--database-url", db_url, "--json")
    pid = run(
        capsys,
        "enroll",
        "participant",
        "--study",
        "seoul-pilot",
        "--name",
        "Lee Soon-ja",
        "--birth-year",
        "1944",
        "--sex",
        "F",
        "--district",
        "mapo",
        "--preferred-name",
        " 순자 ",
        *db,
    )["participant_id"]
    dev = run(
        capsys,
        "enroll",
        "device",
        "--participant",
        pid,
        "--kind",
        "cgm",
        "--address",
        "F0:00:00:00:00:09",
        *db,
    )["device_id"]
    gw = run(capsys, "enroll", "gateway", "--participant", pid, *db)
    assert len(gw["token"]) >= 43  # 256 bits, base64url
    with psycopg.connect(db_url) as conn:
        district = conn.execute("SELECT district FROM participant_identity").fetchone()
        greeted = conn.execute("SELECT preferred_name FROM participant_identity").fetchone()
        device = conn.execute("SELECT participant_id::text, kind FROM devices").fetchone()
        stored = conn.execute("SELECT token_sha256 FROM gateways").fetchone()
        audited = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'enroll'").fetchone()
    assert district == ("Mapo-gu",)
    assert greeted == ("순자",)
    assert device == (pid, "cgm")
    assert stored is not None
    assert gw["token"].encode() not in bytes(stored[0])
    assert audited == (3,)
    assert dev


def test_an_unknown_district_is_refused_with_the_list(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "enroll",
                "participant",
                "--study",
                "s",
                "--name",
                "N",
                "--birth-year",
                "1950",
                "--sex",
                "M",
                "--district",
                "Atlantis",
                "--database-url",
                db_url,
            ]
        )
    assert exit_info.value.code == 2
    assert "Seoul's 25 gu" in capsys.readouterr().err


def test_binding_to_an_unknown_participant_is_refused(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(
            [
                "enroll",
                "device",
                "--participant",
                "00000000-0000-0000-0000-000000000000",
                "--kind",
                "hr",
                "--database-url",
                db_url,
            ]
        )
    assert "is not enrolled" in capsys.readouterr().err


def test_db_upgrade_twice_applies_nothing_the_second_time(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "db", "upgrade", "--database-url", db_url, "--json")["applied"] == []


def test_enroll_gateway_can_write_a_ready_gateway_config(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from gateway.config import load_config

    db = ("--database-url", db_url, "--json")
    pid = run(
        capsys,
        "enroll",
        "participant",
        "--study",
        "s",
        "--name",
        "N",
        "--birth-year",
        "1950",
        "--sex",
        "M",
        "--district",
        "Jung-gu",
        *db,
    )["participant_id"]
    dev = run(
        capsys,
        "enroll",
        "device",
        "--participant",
        pid,
        "--kind",
        "hr",
        "--address",
        "C4:7C:8D:6A:11:22",
        *db,
    )["device_id"]
    target = tmp_path / "gw.json"
    gw = run(
        capsys,
        "enroll",
        "gateway",
        "--participant",
        pid,
        "--write-config",
        str(target),
        "--api-url",
        "https://api.example",
        "--outbox-path",
        str(tmp_path / "o.db"),
        *db,
    )
    config = load_config(target)
    assert (config.gateway_id, config.token) == (gw["gateway_id"], gw["token"])
    assert [(d.device_id, d.kind, d.address) for d in config.devices] == [
        (dev, "hr", "C4:7C:8D:6A:11:22")
    ]
    assert target.stat().st_mode & 0o077 == 0


def test_writing_a_config_needs_device_addresses_and_enrols_nothing_without(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = ("--database-url", db_url)
    pid = run(
        capsys,
        "enroll",
        "participant",
        "--study",
        "s",
        "--name",
        "N",
        "--birth-year",
        "1950",
        "--sex",
        "M",
        "--district",
        "Jung-gu",
        *db,
        "--json",
    )["participant_id"]
    run(capsys, "enroll", "device", "--participant", pid, "--kind", "cgm", *db, "--json")
    with pytest.raises(SystemExit):
        main(
            [
                "enroll",
                "gateway",
                "--participant",
                pid,
                "--write-config",
                str(tmp_path / "gw.json"),
                *db,
            ]
        )
    assert "no BLE address" in capsys.readouterr().err
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM gateways").fetchone() == (0,)


def _participant(capsys: pytest.CaptureFixture[str], db_url: str, *extra: str) -> str:
    pid: str = run(
        capsys,
        "enroll",
        "participant",
        "--study",
        "seoul-pilot",
        "--name",
        "Lee Soon-ja",
        "--birth-year",
        "1944",
        "--sex",
        "F",
        "--district",
        "mapo",
        *extra,
        "--database-url",
        db_url,
        "--json",
    )["participant_id"]
    return pid


def test_home_page_config_greets_by_the_preferred_name(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from gateway.config import load_config

    pid = _participant(capsys, db_url, "--preferred-name", "순자")
    target = tmp_path / "gw.json"
    args = ["enroll", "gateway", "--participant", pid, "--write-config", str(target)]
    run(capsys, *args, "--home-page", "--database-url", db_url, "--json")
    config = load_config(target)
    assert config.home is not None
    assert [(p.participant_id, p.name) for p in config.home.participants] == [(pid, "순자")]
    assert config.home.port == 8088


def test_home_page_needs_preferred_names_and_a_config_file(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pid = _participant(capsys, db_url)
    target = tmp_path / "gw.json"
    base = ["enroll", "gateway", "--participant", pid, "--database-url", db_url]
    with pytest.raises(SystemExit, match="2"):
        main([*base, "--write-config", str(target), "--home-page"])
    assert "no preferred name" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="2"):
        main([*base, "--home-page"])
    assert "--home-page goes with --write-config" in capsys.readouterr().err
    assert not target.exists()
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM gateways").fetchone() == (0,)
