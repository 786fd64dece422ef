"""Export runs on a real PostgreSQL: what leaves, what must not, and what is recorded."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import psycopg
import pytest

from ingest.export.errors import ExportBlocked, ExportError
from ingest.export.projects import ProjectSpec, create_project
from ingest.export.pseudonym import pseudonym
from ingest.export.run import RunResult, run_export
from tests.ingest.export.conftest import SEOUL, Cohort

pytestmark = pytest.mark.db

TODAY = dt.date(2026, 12, 6)
ALL_CONTENTS = ("readings", "readings_5m", "daily", "cgm_metrics", "alerts", "checkins")


def _now() -> dt.datetime:
    return dt.datetime(2026, 12, 6, 5, 0, tzinfo=dt.UTC)


def _create(url: str, name: str, **overrides: object) -> None:
    fields: dict[str, object] = {
        "purpose": "HRV and glycaemic variability in older adults",
        "approval_id": "IRB-2026-041",
        "recipient": "rita.researcher",
        "destroy_after": dt.date(2027, 12, 31),
        "contents": ALL_CONTENTS,
        "formats": ("csv", "parquet", "fhir", "omh"),
    }
    spec = ProjectSpec(name=name, **{**fields, **overrides})  # type: ignore[arg-type]
    with psycopg.connect(url) as conn:
        create_project(conn, spec, actor="test-custodian", today=TODAY)


def _run(url: str, name: str, out: Path) -> RunResult:
    with psycopg.connect(url) as conn:
        return run_export(conn, name, out, actor="test-custodian", now=_now)


def _key(url: str, name: str) -> bytes:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT k.hmac_key FROM custodian.export_keys k JOIN export_projects p"
            " USING (project_id) WHERE p.name = %s",
            (name,),
        ).fetchone()
    assert row is not None
    return bytes(row[0])


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_release_meets_k_and_the_manifest_checks_out(cohort: Cohort, tmp_path: Path) -> None:
    _create(cohort.url, "hrv")
    result = _run(cohort.url, "hrv", tmp_path / "out")
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    risk = manifest["risk"]
    assert risk["k_required"] == 5
    assert risk["k_achieved"] >= 5
    assert risk["prosecutor_risk_max"] == pytest.approx(1 / risk["k_achieved"])
    assert risk["l_achieved"] is not None  # alerts are released: the alert profile is sensitive
    assert risk["participants_eligible"] == 12  # the withdrawn participant is not eligible
    assert risk["participants_released"] + risk["suppressed_records"] == 12
    assert set(risk["generalisation"]) == {"age", "sex", "district"}
    assert "chose" in risk["explanation"]
    assert manifest["approval_id"] == "IRB-2026-041"
    assert manifest["key_id"]
    for entry in manifest["files"]:
        data = (tmp_path / "out" / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    people = _csv(tmp_path / "out/csv/participants.csv")
    assert len(people) == risk["participants_released"]
    readings = _csv(tmp_path / "out/csv/readings.csv")
    assert manifest["row_counts"]["csv/readings.csv"] == len(readings)
    assert set(readings[0]) == {
        "pseudonym",
        "device",
        "metric",
        "measured_at",
        "value",
        "unit",
        "flags",
    }


def test_no_output_file_contains_an_identifier(cohort: Cohort, tmp_path: Path) -> None:
    _create(cohort.url, "scan")
    _run(cohort.url, "scan", tmp_path / "out")
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(files) >= 15
    needles = [*cohort.identifiers, "free text", "called"]
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            text = json.dumps(pq.read_table(path).to_pylist(), default=str)
        found = [n for n in needles if n.lower() in text.lower()]
        assert not found, f"{path.name} contains {found}"


def test_withdrawn_and_suppressed_participants_are_absent(cohort: Cohort, tmp_path: Path) -> None:
    _create(cohort.url, "w")
    _run(cohort.url, "w", tmp_path / "out")
    key = _key(cohort.url, "w")
    assert cohort.withdrawn is not None
    gone = pseudonym(key, "participant", cohort.withdrawn)
    for path in (tmp_path / "out").rglob("*.*"):
        if path.suffix != ".parquet":
            assert gone not in path.read_text(encoding="utf-8")
    released = {r["pseudonym"] for r in _csv(tmp_path / "out/csv/participants.csv")}
    in_readings = {r["pseudonym"] for r in _csv(tmp_path / "out/csv/readings.csv")}
    assert in_readings == released


def test_pseudonyms_stable_within_a_project_and_unlinkable_across(
    cohort: Cohort, tmp_path: Path
) -> None:
    _create(cohort.url, "a")
    _create(cohort.url, "b")
    first = _csv(
        _run(cohort.url, "a", tmp_path / "a1").manifest_path.parent / "csv/participants.csv"
    )
    again = _csv(
        _run(cohort.url, "a", tmp_path / "a2").manifest_path.parent / "csv/participants.csv"
    )
    other = _csv(
        _run(cohort.url, "b", tmp_path / "b").manifest_path.parent / "csv/participants.csv"
    )
    assert [r["pseudonym"] for r in first] == [r["pseudonym"] for r in again]
    assert not {r["pseudonym"] for r in first} & {r["pseudonym"] for r in other}
    plain = set()
    for pid in cohort.participants:
        for form in (str(pid).encode(), pid.bytes, pid.hex.encode()):
            plain |= {hashlib.sha256(form).hexdigest()[:32], hashlib.md5(form).hexdigest()}
    assert not {r["pseudonym"] for r in first} & plain


def test_dates_shift_by_whole_weeks_keeping_times_and_intervals(
    cohort: Cohort, tmp_path: Path
) -> None:
    _create(cohort.url, "d")
    _run(cohort.url, "d", tmp_path / "out")
    key = _key(cohort.url, "d")
    original: dict[tuple[str, str], list[dt.datetime]] = {}
    for pid, metric, at, _ in cohort.readings:
        original.setdefault((pseudonym(key, "participant", pid), metric), []).append(at)
    shifted: dict[tuple[str, str], list[dt.datetime]] = {}
    for r in _csv(tmp_path / "out/csv/readings.csv"):
        at = dt.datetime.fromisoformat(r["measured_at"])
        shifted.setdefault((r["pseudonym"], r["metric"]), []).append(at)
    assert shifted
    offsets = set()
    for series_key, times in shifted.items():
        before = sorted(original[series_key])
        offset = times[0] - before[0]
        assert offset.days % 7 == 0
        assert offset < dt.timedelta(0)
        assert [t - before[0] - offset for t in times] == [b - before[0] for b in before]
        local = [t.astimezone(SEOUL) for t in times]
        assert [t.weekday() for t in local] == [b.astimezone(SEOUL).weekday() for b in before]
        assert [t.time() for t in local] == [b.astimezone(SEOUL).time() for b in before]
        offsets.add((series_key[0], offset))
    assert len({o for _, o in offsets}) > 1  # per participant, not one global shift
    # Check-ins move with the participant's readings: the same offset, item by item.
    by_pseudonym = dict(offsets)
    checkins = _csv(tmp_path / "out/csv/checkins.csv")
    assert len(checkins) == 15 * (len(cohort.participants) - 1)  # the withdrawn one is out
    for pid, done in cohort.checkins.items():
        mine = [r for r in checkins if r["pseudonym"] == pseudonym(key, "participant", pid)]
        if pid == cohort.withdrawn:
            assert mine == []
            continue
        assert [int(r["item"]) for r in mine] == list(range(1, 16))
        offset = by_pseudonym[mine[0]["pseudonym"]]
        assert {dt.datetime.fromisoformat(r["completed_at"]) - done for r in mine} == {offset}
        assert (
            dt.datetime.fromisoformat(mine[-1]["answered_at"])
            == done - dt.timedelta(seconds=1) + offset
        )
        assert mine[0]["instrument"] == "gds15"


def test_ages_are_banded_never_raw(cohort: Cohort, tmp_path: Path) -> None:
    _create(cohort.url, "ages", quasi_identifiers=("age",))
    result = _run(cohort.url, "ages", tmp_path / "out")
    ages = {r["age"] for r in _csv(tmp_path / "out/csv/participants.csv")}
    # Ages at enrolment (2026): 76-81 and 86-91 -> 5-year bands 75-79, 80-84, 85+.
    assert ages <= {"75-79", "80-84", "85+", "70-79", "80+", "*"}
    assert result.manifest["risk"]["k_achieved"] >= 5  # type: ignore[index]


def test_an_export_missing_k_is_blocked_and_recorded(cohort: Cohort, tmp_path: Path) -> None:
    _create(cohort.url, "big-k", k=13)
    with pytest.raises(ExportBlocked, match=r"k=13.*with 12 participants"):
        _run(cohort.url, "big-k", tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    with psycopg.connect(cohort.url) as conn:
        status = conn.execute("SELECT status, message FROM export_runs").fetchone()
        audit = conn.execute(
            "SELECT outcome, reason FROM audit_log WHERE action = 'export.run' ORDER BY audit_id"
        ).fetchall()
    assert status is not None
    assert status[0] == "blocked"
    assert [a[0] for a in audit] == ["started", "blocked"]
    assert audit[1][1] == "HRV and glycaemic variability in older adults"


def test_runs_are_audited_with_purpose_and_subjects(cohort: Cohort, tmp_path: Path) -> None:
    _create(cohort.url, "aud")
    _run(cohort.url, "aud", tmp_path / "out")
    with psycopg.connect(cohort.url) as conn:
        row = conn.execute(
            "SELECT role, reason, cardinality(subjects) FROM audit_log"
            " WHERE action = 'export.run' AND outcome = 'released'"
        ).fetchone()
    assert row is not None
    assert row[0] == "custodian"
    assert row[1] == "HRV and glycaemic variability in older adults"
    assert 5 <= int(str(row[2])) <= 12


def test_the_application_role_cannot_read_the_custodian_store(cohort: Cohort) -> None:
    _create(cohort.url, "keys")
    with psycopg.connect(cohort.url) as conn:
        conn.execute("SET ROLE wearmon_app")
        for table in ("custodian.export_keys", "custodian.date_offsets"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table}")
            conn.rollback()
            conn.execute("SET ROLE wearmon_app")
        assert conn.execute("SELECT count(*) FROM export_projects").fetchone() == (1,)
        conn.execute("SET ROLE wearmon_custodian")
        assert conn.execute("SELECT count(*) FROM custodian.export_keys").fetchone() == (1,)


def test_recipient_must_be_a_researcher(cohort: Cohort) -> None:
    with pytest.raises(ExportError, match="clinician account"):
        _create(cohort.url, "x", recipient="cleo.clinician")
    with pytest.raises(ExportError, match="has no account"):
        _create(cohort.url, "y", recipient="nobody")
    with pytest.raises(ExportError, match="not in the future"):
        _create(cohort.url, "z", destroy_after=TODAY)


def test_outputs_must_go_to_a_new_directory(cohort: Cohort, tmp_path: Path) -> None:
    _create(cohort.url, "o")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("keep me")
    with pytest.raises(ExportError, match="not an empty directory"):
        _run(cohort.url, "o", tmp_path / "used")
    assert (tmp_path / "used" / "x").read_text() == "keep me"


def test_csv_and_parquet_hold_the_same_rows(cohort: Cohort, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    _create(cohort.url, "same")
    _run(cohort.url, "same", tmp_path / "out")
    tables = ("readings", "readings_5m", "daily", "alerts", "participants", "cgm_metrics")
    for table in (*tables, "checkins"):
        rows = _csv(tmp_path / f"out/csv/{table}.csv")
        frame = pq.read_table(tmp_path / f"out/parquet/{table}.parquet").to_pylist()
        assert len(rows) == len(frame), table
        assert rows, table
        for c, p in zip(rows, frame, strict=True):
            for column, text in c.items():
                value = p[column]
                if isinstance(value, dt.datetime):
                    assert dt.datetime.fromisoformat(text) == value, (table, column)
                elif isinstance(value, float):
                    assert float(text) == pytest.approx(value), (table, column)
                else:
                    assert text == ("" if value is None else str(value)), (table, column)
