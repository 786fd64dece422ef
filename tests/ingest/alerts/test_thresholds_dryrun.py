"""Per-participant thresholds (versioned, audited) and the dry-run over stored history."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest

from ingest.alerts.thresholds import set_threshold
from ingest.alerts.worker import Worker
from ingest.storage.audit import AuditEntry
from tests.ingest.alerts.helpers import SimClock, alerts_of, cgm_rows, start_of_real_minute, store
from tests.ingest.conftest import Home
from wearmon.cli import main

M = dt.timedelta(minutes=1)


@pytest.fixture
def history(db_url: str, home: Home) -> dt.datetime:
    """Two hours of CGM ending now with a 20-min dip to 65 mg/dL in the middle."""
    t0 = start_of_real_minute() - 135 * M
    store(db_url, cgm_rows(home, t0, [110.0] * 12 + [65.0] * 4 + [110.0] * 12))
    return t0


def _dry_run(db_url: str, home: Home, capsys: pytest.CaptureFixture[str], *sets: str) -> dict:
    args = ["rules", "dry-run", "--participant", str(home.participant_id), "--days", "1"]
    for s in sets:
        args += ["--set", s]
    assert main([*args, "--database-url", db_url, "--json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_dry_run_reports_what_a_lower_threshold_would_have_raised(
    db_url: str, home: Home, history: dt.datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _dry_run(db_url, home, capsys, "hypo_level1.threshold_mg_dl=60")
    assert report["current"]["alerts_by_rule"].get("hypo_level1") == 1
    assert "hypo_level1" not in report["proposed"]["alerts_by_rule"]
    assert report["rules"]["hypo_level1"]["threshold_mg_dl"] == 60.0
    report = _dry_run(db_url, home, capsys)
    (alert,) = [a for a in report["proposed"]["alerts"] if a["rule_id"] == "hypo_level1"]
    assert (alert["priority"], alert["worst_value"]) == ("MEDIUM", 65.0)
    with psycopg.connect(db_url) as conn:
        stored = conn.execute("SELECT count(*) FROM alerts").fetchone()
    assert stored == (0,)  # a dry run writes nothing


def test_dry_run_names_a_bad_change(
    db_url: str, home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["rules", "dry-run", "--participant", str(home.participant_id), "--database-url", db_url]
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--set", "hypo_level1.colour=3"])
    assert exit_.value.code == 2
    assert "hypo_level1 has no parameter ['colour']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--set", "nonsense"])
    assert "expected rule.param=value" in capsys.readouterr().err


def test_a_participant_threshold_is_versioned_audited_and_used_by_the_worker(
    db_url: str, home: Home, history: dt.datetime
) -> None:
    now = start_of_real_minute()
    audit = AuditEntry("nurse1", "clinician", "thresholds.set", "participant", "ok")
    with psycopg.connect(db_url) as conn:
        first = set_threshold(
            conn,
            home.participant_id,
            "hypo_level1",
            {"threshold_mg_dl": 66.0},
            set_by=None,
            audit=audit,
            now=now,
        )
        second = set_threshold(
            conn,
            home.participant_id,
            "hypo_level1",
            {"min_duration_min": 15.0},
            set_by=None,
            audit=audit,
            now=now + M,
        )
        rows = conn.execute(
            "SELECT version, superseded_at IS NULL FROM participant_thresholds ORDER BY set_at"
        ).fetchall()
        audited = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'thresholds.set'"
        ).fetchone()
    assert (first["version"], second["version"]) == ("p1", "p2")
    assert second["params"]["threshold_mg_dl"] == 66.0  # edits accumulate
    assert rows == [("p1", False), ("p2", True)]
    assert audited == (2,)
    worker = Worker(db_url, clock=SimClock(history + 135 * M))
    try:
        worker.run_pass()
    finally:
        worker.close()
    (alert,) = alerts_of(db_url, home.participant_id, "hypo_level1")
    assert alert["rule_version"] == "p2"
