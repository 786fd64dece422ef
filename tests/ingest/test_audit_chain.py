"""The audit chain can be recomputed whatever the session settings, and tampering shows."""

from __future__ import annotations

import psycopg
import pytest

from ingest.storage.audit import AuditEntry, write_audit
from ingest.storage.audit_chain import verify_chain

pytestmark = pytest.mark.db


def _append(conn: psycopg.Connection[tuple[object, ...]], n: int) -> None:
    for i in range(n):
        write_audit(
            conn,
            AuditEntry(
                "nurse.park",
                "clinician",
                "read",
                f"participant/{i}",
                "success",
                source_ip="10.0.0.7",
                request_id=None if i % 2 else f"req-{i}",
                reason="x" if i % 2 else None,
                details={"b": 1, "a": [i, None]},
            ),
        )
    conn.commit()


def test_the_chain_verifies_under_any_time_zone_and_date_style(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute("SET TimeZone = 'Asia/Seoul'; SET DateStyle = 'SQL, DMY'")
        _append(conn, 5)
    with psycopg.connect(db_url) as conn:
        conn.execute("SET TimeZone = 'America/St_Johns'; SET DateStyle = 'German'")
        report = verify_chain(conn)
    assert (report.ok, report.rows) == (True, 5)


def _tamper(db_url: str, statement: str) -> None:
    # What a superuser could do: switch off the append-only trigger and edit history.
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        conn.execute(statement)
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")


def _ids(db_url: str) -> list[int]:
    with psycopg.connect(db_url) as conn:
        return [int(r[0]) for r in conn.execute("SELECT audit_id FROM audit_log ORDER BY 1")]


def test_a_changed_row_is_named(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        _append(conn, 5)
    ids = _ids(db_url)
    _tamper(db_url, f"UPDATE audit_log SET outcome = 'denied' WHERE audit_id = {ids[2]}")
    with psycopg.connect(db_url) as conn:
        report = verify_chain(conn)
    assert (report.ok, report.broken_id) == (False, ids[2])
    assert report.problem == f"audit row {ids[2]} was changed after it was written " + (
        "(its hash does not match)"
    )


def test_a_deleted_row_is_detected_at_the_next_one(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        _append(conn, 5)
    ids = _ids(db_url)
    _tamper(db_url, f"DELETE FROM audit_log WHERE audit_id = {ids[1]}")
    with psycopg.connect(db_url) as conn:
        report = verify_chain(conn)
    assert report.broken_id == ids[2]
    assert report.problem is not None
    assert f"does not follow row {ids[0]}" in report.problem


def test_deleting_the_first_row_is_detected(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        _append(conn, 3)
    ids = _ids(db_url)
    _tamper(db_url, f"DELETE FROM audit_log WHERE audit_id = {ids[0]}")
    with psycopg.connect(db_url) as conn:
        report = verify_chain(conn)
    assert report.broken_id == ids[1]
    assert report.problem is not None
    assert "does not follow the start of the log" in report.problem


def test_a_row_rehashed_in_place_breaks_the_link_of_the_next(db_url: str) -> None:
    # Recomputing a changed row's own hash is not enough: the next row still links to
    # the old one.
    with psycopg.connect(db_url) as conn:
        _append(conn, 3)
    ids = _ids(db_url)
    _tamper(
        db_url,
        f"UPDATE audit_log a SET actor = 'someone', row_hash = sha256(a.prev_hash ||"
        f" convert_to(audit_row_payload(ROW(a.audit_id, a.at, 'someone', a.role, a.source_ip,"
        f" a.subjects, a.action, a.resource, a.outcome, a.request_id, a.reason, a.details,"
        f" a.prev_hash, a.row_hash)::audit_log), 'UTF8')) WHERE audit_id = {ids[1]}",
    )
    with psycopg.connect(db_url) as conn:
        report = verify_chain(conn)
    assert report.broken_id == ids[2]


def test_ids_and_times_are_drawn_under_the_chain_lock_not_given_by_the_writer(
    db_url: str,
) -> None:
    # Drawn inside the trigger, so id order is chain order and nobody can backdate a row.
    with psycopg.connect(db_url) as conn:
        _append(conn, 1)
        conn.execute(
            "INSERT INTO audit_log (audit_id, at, actor, role, action, resource, outcome,"
            " prev_hash, row_hash) VALUES (999999, '2000-01-01', 'a', 'admin', 'x', 'y',"
            " 'success', '', '')"
        )
        conn.commit()
        rows = conn.execute("SELECT audit_id, at FROM audit_log ORDER BY audit_id").fetchall()
        assert verify_chain(conn).ok
    assert rows[1][0] == rows[0][0] + 1
    assert rows[1][1] > rows[0][1]


def test_repeatable_read_writers_are_refused_rather_than_forking_the_chain(db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with pytest.raises(psycopg.errors.RaiseException, match="READ COMMITTED"):
            write_audit(conn, AuditEntry("a", "admin", "x", "y", "success"))
