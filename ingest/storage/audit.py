"""Append-only audit rows (docs/privacy.md "Audit"); the hash chain is kept by a trigger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg.types.json import Jsonb


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to which data subjects, and how it ended."""

    actor: str
    role: str
    action: str
    resource: str
    outcome: str
    subjects: Sequence[uuid.UUID] = ()
    source_ip: str | None = None
    request_id: str | None = None
    reason: str | None = None
    details: dict[str, object] = field(default_factory=dict)


_INSERT = (
    "INSERT INTO audit_log (actor, role, source_ip, subjects, action, resource, outcome,"
    " request_id, reason, details, prev_hash, row_hash)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '')"
)


def _params(e: AuditEntry) -> tuple[object, ...]:
    return (
        e.actor,
        e.role,
        e.source_ip,
        list(e.subjects),
        e.action,
        e.resource,
        e.outcome,
        e.request_id,
        e.reason,
        Jsonb(e.details),
    )


def write_audit(conn: psycopg.Connection[tuple[object, ...]], entry: AuditEntry) -> None:
    """Append one audit row inside the caller's transaction."""
    conn.execute(_INSERT, _params(entry))


async def write_audit_async(
    conn: psycopg.AsyncConnection[tuple[object, ...]], entry: AuditEntry
) -> None:
    """Append one audit row inside the caller's transaction (API side).

    The chain trigger holds a global lock until the transaction ends: write the audit
    row last and commit soon after.
    """
    await conn.execute(_INSERT, _params(entry))
