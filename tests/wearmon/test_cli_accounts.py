"""``wearmon user``, ``team`` and ``audit`` from the command line, with their failure paths."""

from __future__ import annotations

import io
import json
import uuid

import psycopg
import pytest

from tests.ingest.conftest import enrol_home
from wearmon.cli import main

pytestmark = pytest.mark.db

GOOD = "a long enough passphrase\n"


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> dict[str, object]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main([*argv, "--json"]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def fails(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("wearmon: error: ") or "error:" in err
    return err


def test_user_add_creates_the_team_and_stores_only_an_argon2id_hash(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ("--database-url", db_url)
    out = run(
        capsys, monkeypatch, "user", "add", "--role", "clinician", "--username", "nurse.park",
        "--password-stdin", "--team", "ward-3", *db, stdin=GOOD,
    )  # fmt: skip
    assert out["team"] == "ward-3"
    listed = run(capsys, monkeypatch, "user", "list", *db)["items"]
    assert isinstance(listed, list)
    assert [(u["username"], u["role"], u["teams"], u["disabled"]) for u in listed] == [
        ("nurse.park", "clinician", ["ward-3"], False)
    ]
    with psycopg.connect(db_url) as conn:
        stored = conn.execute("SELECT password_hash FROM accounts").fetchone()
        actions = conn.execute("SELECT action, resource FROM audit_log ORDER BY 1").fetchall()
    assert stored is not None
    assert str(stored[0]).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "passphrase" not in str(stored[0])
    assert sorted(a for a, _ in actions) == ["create", "create"]  # the team and the account


def test_weak_or_taken_and_malformed_accounts_are_refused(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ("user", "add", "--role", "clinician", "--password-stdin", "--database-url", db_url)
    short = fails(capsys, monkeypatch, *base, "--username", "nurse.park", stdin="short\n")
    assert "at least 12" in short
    run(capsys, monkeypatch, *base, "--username", "nurse.park", stdin=GOOD)
    taken = fails(capsys, monkeypatch, *base, "--username", "NURSE.PARK", stdin=GOOD)
    assert "is taken" in taken
    bad = fails(capsys, monkeypatch, *base, "--username", "nurse park", stdin=GOOD)
    assert "--username" in bad
    empty = fails(capsys, monkeypatch, *base, "--username", "nurse.kim", stdin="")
    assert "stdin held no password" in empty
    role = fails(capsys, monkeypatch, *base, "--username", "nurse.kim", "--role", "nurse")
    assert "invalid choice" in role


def test_team_assign_allows_several_teams_and_is_audited(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = str(enrol_home(db_url).participant_id)
    db = ("--database-url", db_url)
    first = run(
        capsys, monkeypatch, "team", "assign", "--team", "ward-3", "--participant", pid, *db
    )
    again = run(
        capsys, monkeypatch, "team", "assign", "--team", "ward-3", "--participant", pid, *db
    )
    other = run(capsys, monkeypatch, "team", "assign", "--team", "night", "--participant", pid, *db)
    assert (first["assigned"], again["assigned"], other["assigned"]) == (True, False, True)
    with psycopg.connect(db_url) as conn:
        teams = conn.execute("SELECT count(*) FROM team_participants").fetchone()
    assert teams == (2,)
    listed = run(capsys, monkeypatch, "audit", "list", "--participant", pid, *db)["items"]
    assert isinstance(listed, list)
    assert [r["action"] for r in listed][-3:] == ["assign", "assign", "assign"]
    unknown = fails(
        capsys, monkeypatch, "team", "assign", "--team", "t", "--participant",
        str(uuid.uuid4()), *db,
    )  # fmt: skip
    assert "is not enrolled" in unknown
    assert "is not an id" in fails(
        capsys, monkeypatch, "team", "assign", "--team", "t", "--participant", "p1", *db
    )


def test_user_disable_names_an_unknown_account(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ("--database-url", db_url)
    err = fails(capsys, monkeypatch, "user", "disable", "--username", "ghost", *db)
    assert "no account named 'ghost'" in err
    run(
        capsys, monkeypatch, "user", "add", "--role", "researcher", "--username", "dr.lee",
        "--password-stdin", *db, stdin=GOOD,
    )  # fmt: skip
    assert run(capsys, monkeypatch, "user", "disable", "--username", "dr.lee", *db)["disabled"]
    listed = run(capsys, monkeypatch, "user", "list", *db)["items"]
    assert isinstance(listed, list)
    assert listed[0]["disabled"] is True


def test_audit_verify_passes_then_names_a_tampered_row(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    enrol_home(db_url)  # four audited enrolments
    db = ("--database-url", db_url)
    assert run(capsys, monkeypatch, "audit", "verify", *db) | {"head": ""} == {
        "ok": True,
        "rows": 4,
        "head": "",
    }
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        broken = conn.execute(
            "UPDATE audit_log SET actor = 'nobody' WHERE audit_id ="
            " (SELECT min(audit_id) + 1 FROM audit_log) RETURNING audit_id"
        ).fetchone()
    assert broken is not None
    assert main(["audit", "verify", *db, "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["broken_row"] == broken[0]
    assert f"wearmon: error: audit row {broken[0]} was changed" in captured.err


def test_audit_list_refuses_a_bad_time(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = fails(
        capsys, monkeypatch, "audit", "list", "--since", "yesterday", "--database-url", db_url
    )
    assert "not an ISO 8601 time" in err
