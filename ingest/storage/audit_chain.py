"""Checking the audit log's hash chain, and reading it for the privacy officer."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import psycopg

# Recompute each row's hash with the very function the insert trigger uses
# (audit_row_payload, migration 0008), whose text does not depend on session settings.
_RECOMPUTE = (
    "SELECT a.audit_id, a.prev_hash, a.row_hash,"
    " sha256(a.prev_hash || convert_to(audit_row_payload(a), 'UTF8'))"
    " FROM audit_log a ORDER BY a.audit_id"
)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a check: rows checked, and the first broken row if any."""

    rows: int
    head: bytes  # the newest row's hash: record it elsewhere to detect a cut-off tail
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(conn: psycopg.Connection[tuple[object, ...]]) -> ChainReport:
    """Walk the chain in id order; stop at the first row that does not hold."""
    previous = b""
    previous_id: int | None = None
    rows = 0
    with conn.transaction(), conn.cursor(name="audit_verify") as cur:
        cur.itersize = 5000
        cur.execute(_RECOMPUTE)
        for audit_id, prev_hash, row_hash, recomputed in cur:
            rows += 1
            row_id = int(str(audit_id))
            problem = _check(_b(prev_hash), _b(row_hash), _b(recomputed), previous)
            if problem is not None:
                return ChainReport(rows, previous, row_id, _explain(problem, row_id, previous_id))
            previous, previous_id = _b(row_hash), row_id
    return ChainReport(rows, previous)


def _b(value: object) -> bytes:
    assert isinstance(value, bytes | memoryview)
    return bytes(value)


def _check(prev_hash: bytes, row_hash: bytes, recomputed: bytes, previous: bytes) -> str | None:
    if prev_hash != previous:
        return "link"
    if row_hash != recomputed:
        return "content"
    return None


def _explain(problem: str, row_id: int, previous_id: int | None) -> str:
    if problem == "content":
        return f"audit row {row_id} was changed after it was written (its hash does not match)"
    before = "the start of the log" if previous_id is None else f"row {previous_id}"
    return (
        f"audit row {row_id} does not follow {before}: a row between them was removed, "
        "or an earlier row was changed"
    )


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One audit row as the privacy officer reads it."""

    audit_id: int
    at: dt.datetime
    actor: str
    role: str
    source_ip: str | None
    subjects: list[str]
    action: str
    resource: str
    outcome: str
    request_id: str | None
    reason: str | None
    details: dict[str, object]


def list_audit(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    participant_id: uuid.UUID | None,
    since: dt.datetime | None,
    limit: int,
) -> list[AuditRow]:
    """Rows naming ``participant_id`` (all rows if None) at or after ``since``, oldest first."""
    rows = conn.execute(
        "SELECT audit_id, at, actor, role, host(source_ip), subjects::text[], action, resource,"
        " outcome, request_id, reason, details FROM audit_log"
        " WHERE (%(p)s::uuid IS NULL OR subjects @> ARRAY[%(p)s::uuid])"
        " AND (%(s)s::timestamptz IS NULL OR at >= %(s)s)"
        " ORDER BY audit_id LIMIT %(n)s",
        {"p": participant_id, "s": since, "n": limit},
    ).fetchall()
    return [_row(r) for r in rows]


def _row(r: tuple[object, ...]) -> AuditRow:
    at, subjects, details = r[1], r[5], r[11]
    assert isinstance(at, dt.datetime)
    assert isinstance(subjects, list)
    assert isinstance(details, dict)
    return AuditRow(
        audit_id=int(str(r[0])),
        at=at,
        actor=str(r[2]),
        role=str(r[3]),
        source_ip=None if r[4] is None else str(r[4]),
        subjects=[str(s) for s in subjects],
        action=str(r[6]),
        resource=str(r[7]),
        outcome=str(r[8]),
        request_id=None if r[9] is None else str(r[9]),
        reason=None if r[10] is None else str(r[10]),
        details=details,
    )
