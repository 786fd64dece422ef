"""The audit log is append-only for the application and tamper-evident."""

from __future__ import annotations

import hashlib
import itertools

import psycopg
import pytest

from ingest.db.pool import APP_ROLE
from ingest.storage.audit import AuditEntry, write_audit

pytestmark = pytest.mark.db


def _append(url: str, n: int) -> None:
    with psycopg.connect(url) as conn:
        for i in range(n):
            write_audit(
                conn,
                AuditEntry(
                    "nurse-1",
                    "clinician",
                    "read",
                    f"participant/{i}",
                    "success",
                    source_ip="127.0.0.1",
                ),
            )
        conn.commit()


def test_the_app_role_can_insert_but_not_update_or_delete(db_url: str) -> None:
    _append(db_url, 1)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f"SET ROLE {APP_ROLE}")
        conn.execute(
            "INSERT INTO audit_log (actor, role, action, resource, outcome, prev_hash,"
            " row_hash) VALUES ('a', 'admin', 'x', 'y', 'success', '', '')"
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_log SET outcome = 'denied'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_log")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("TRUNCATE audit_log")


def test_even_the_owner_cannot_rewrite_history(db_url: str) -> None:
    _append(db_url, 1)
    with psycopg.connect(db_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 'someone-else'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("DELETE FROM audit_log")


def test_rows_form_a_hash_chain(db_url: str) -> None:
    _append(db_url, 3)
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT prev_hash, row_hash FROM audit_log ORDER BY audit_id"
        ).fetchall()
    assert len(rows) == 3
    assert bytes(rows[0][0]) == b""
    for (_, earlier), (prev, _) in itertools.pairwise(rows):
        assert bytes(prev) == bytes(earlier)
    assert all(len(bytes(h)) == hashlib.sha256().digest_size for _, h in rows)
