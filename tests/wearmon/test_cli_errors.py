"""Every documented failure of a command ends in ``wearmon: error: ...`` and exit code 2,
with nothing half-done (no credential created whose token was never shown)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from wearmon.cli import main

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command; assert exit code 2; return what it printed on stderr."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "wearmon: error: " in err, err
    assert "Traceback" not in err
    return err


def participant_args(*extra: str) -> list[str]:
    return [
        "enroll",
        "participant",
        "--study",
        "s",
        "--name",
        "N",
        "--birth-year",
        "1950",
        "--sex",
        "F",
        "--district",
        "Jung-gu",
        *extra,
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ("db", "upgrade"),
        ("enroll", "gateway", "--participant", "00000000-0000-0000-0000-000000000001"),
        tuple(participant_args()),
    ],
)
@pytest.mark.parametrize("url", [UNREACHABLE, "not a url", "postgresql://[::1"])
def test_an_unreachable_or_malformed_database_url_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], url: str
) -> None:
    err = fails(capsys, *argv, "--database-url", url)
    assert "database" in err


def test_demo_with_an_unreachable_database_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.db import embedded

    # The demo's outboxes and lock live in the data directory also with --database-url.
    monkeypatch.setattr(embedded, "default_data_dir", lambda: tmp_path)
    err = fails(capsys, "demo", "--database-url", UNREACHABLE, "--port", "18403")
    assert "cannot connect" in err


def test_serve_with_an_unreachable_database_is_a_clean_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = fails(capsys, "serve", "--database-url", UNREACHABLE, "--port", "18401")
    assert "cannot connect" in err


@pytest.mark.db
def test_serve_on_a_busy_port_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        err = fails(capsys, "serve", "--database-url", db_url, "--port", str(port))
    assert f"port {port}" in err


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        ("--birth-year", "2030", "--birth-year 2030"),
        ("--time-zone", "Seoul", "IANA"),
    ],
)
def test_implausible_participant_details_are_refused(
    capsys: pytest.CaptureFixture[str], flag: str, value: str, expected: str
) -> None:
    argv = participant_args("--database-url", UNREACHABLE)
    if flag in argv:
        argv[argv.index(flag) + 1] = value
    else:
        argv += [flag, value]
    assert expected in fails(capsys, *argv)


def test_a_malformed_ble_address_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    err = fails(
        capsys,
        "enroll",
        "device",
        "--participant",
        "00000000-0000-0000-0000-000000000001",
        "--kind",
        "hr",
        "--address",
        "not-a-mac",
        "--database-url",
        UNREACHABLE,
    )
    assert "not-a-mac" in err


def test_abbreviated_long_options_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    err = fails(capsys, "demo", "--participant", "5")
    assert "--participant" in err


def test_an_unwritable_outbox_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = {
        "gateway_id": "00000000-0000-0000-0000-000000000001",
        "token": "t" * 43,
        "api_url": "http://127.0.0.1:18402",
        "outbox_path": "/proc/wearmon/outbox.sqlite3",
        "devices": [],
    }
    path = tmp_path / "gw.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    err = fails(capsys, "gateway", "--config", str(path))
    assert "outbox" in err


@pytest.mark.db
def test_write_config_to_an_unwritable_path_creates_no_credential(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    main([*participant_args("--database-url", db_url, "--json")])
    pid = json.loads(capsys.readouterr().out)["participant_id"]
    err = fails(
        capsys,
        "enroll",
        "gateway",
        "--participant",
        pid,
        "--write-config",
        "/proc/wearmon/gw.json",
        "--database-url",
        db_url,
    )
    assert "/proc/wearmon/gw.json" in err
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM gateways").fetchone() == (0,)


@pytest.mark.db
def test_write_config_makes_an_existing_file_private(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    main([*participant_args("--database-url", db_url, "--json")])
    pid = json.loads(capsys.readouterr().out)["participant_id"]
    target = tmp_path / "gw.json"
    target.write_text("{}", encoding="utf-8")
    target.chmod(0o644)
    assert (
        main(
            [
                "enroll",
                "gateway",
                "--participant",
                pid,
                "--write-config",
                str(target),
                "--database-url",
                db_url,
                "--json",
            ]
        )
        == 0
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_usage_error_from_a_subcommand_says_wearmon_error() -> None:
    # As a user runs it: a real process, its stderr and exit code.
    done = subprocess.run(
        [sys.executable, "-m", "wearmon", "enroll", "device", "--kind", "watch"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": UNREACHABLE},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "wearmon: error: " in done.stderr


@pytest.mark.db
def test_production_refuses_a_superuser_database_role(db_url: str) -> None:
    from ingest.db.preflight import UnsafeDatabaseError, check_database

    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    assert row == (True,)  # the test servers connect as their superuser
    check_database(db_url)  # development: allowed
    with pytest.raises(UnsafeDatabaseError, match="superuser"):
        check_database(db_url, production=True)
