"""Export projects in the database: create, find, list, destroy (custodian operations).

The project row (public schema) says what is released to whom; the HMAC key and the
date offsets live in the ``custodian`` schema (migration 0015), which only the
custodian role can use.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from ingest.export.dates import DatePolicy
from ingest.export.errors import ExportError
from ingest.export.pseudonym import new_key
from ingest.storage.audit import AuditEntry, write_audit

CUSTODIAN_ROLE = "wearmon_custodian"
#: What a project may release (docs/privacy.md "Research export"); alerts never carry
#: their free-text summary, evidence or context.
CONTENTS = ("readings", "readings_5m", "daily", "cgm_metrics", "alerts", "checkins")
FORMATS = ("csv", "parquet", "fhir", "omh")
QUASI_IDENTIFIERS = ("age", "sex", "district")


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """What the custodian asks for at ``wearmon export create``."""

    name: str
    purpose: str
    approval_id: str
    recipient: str  # a researcher account's username
    destroy_after: dt.date
    k: int = 5
    l: int | None = None  # noqa: E741 - the measure's name
    max_suppression: float = 0.05
    quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS
    date_policy: DatePolicy = DatePolicy.SHIFT_WEEKS
    contents: Sequence[str] = ("readings_5m", "daily", "cgm_metrics")
    formats: Sequence[str] = ("csv",)
    study_id: str | None = None


@dataclass(frozen=True, slots=True)
class Project:
    """A stored project (no key: that stays in the custodian's store)."""

    project_id: uuid.UUID
    name: str
    purpose: str
    approval_id: str
    recipient_id: uuid.UUID
    recipient: str
    destroy_after: dt.date
    quasi_identifiers: tuple[str, ...]
    k: int
    l: int | None  # noqa: E741
    max_suppression: float
    date_policy: DatePolicy
    contents: tuple[str, ...]
    formats: tuple[str, ...]
    study_id: str | None
    key_id: uuid.UUID
    created_at: dt.datetime
    destroyed_at: dt.datetime | None


Conn = psycopg.Connection[tuple[object, ...]]


def use_custodian_role(conn: Conn) -> None:
    """Work as the custodian role for the rest of the current transaction."""
    conn.execute(f"SET LOCAL ROLE {CUSTODIAN_ROLE}")


def validate(spec: ProjectSpec, today: dt.date) -> None:
    """Refuse a spec naming what cannot be released; each message says what to pass."""
    _subset("contents", spec.contents, CONTENTS)
    _subset("formats", spec.formats, FORMATS)
    _subset("quasi-identifiers", spec.quasi_identifiers, QUASI_IDENTIFIERS)
    if spec.destroy_after <= today:
        raise ExportError(
            f"destroy-after {spec.destroy_after} is not in the future; give the date by "
            "which the recipient must destroy the data (e.g. the approval's end)"
        )
    if spec.k < 2:
        raise ExportError(f"k={spec.k} releases unique records; use k >= 2 (default 5)")
    if not spec.purpose.strip() or not spec.approval_id.strip():
        raise ExportError("purpose and approval id must not be empty")


def _subset(what: str, given: Sequence[str], allowed: Sequence[str]) -> None:
    unknown = [g for g in given if g not in allowed]
    if unknown or not given:
        raise ExportError(f"{what} {list(given)} are not valid; choose from {', '.join(allowed)}")


def create_project(conn: Conn, spec: ProjectSpec, *, actor: str, today: dt.date) -> Project:
    """Store the project and a fresh HMAC key (custodian schema); audited."""
    validate(spec, today)
    key_id = uuid.uuid4()
    with conn.transaction():
        use_custodian_role(conn)
        recipient_id = _researcher(conn, spec.recipient)
        if conn.execute("SELECT 1 FROM export_projects WHERE name = %s", (spec.name,)).fetchone():
            raise ExportError(f"an export project named {spec.name!r} exists; choose another name")
        row = conn.execute(
            "INSERT INTO export_projects (name, purpose, approval_id, recipient_id,"
            " destroy_after, quasi_identifiers, k, l, max_suppression, date_policy, contents,"
            " formats, study_id, key_id, created_by) VALUES"
            " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING project_id",
            (
                spec.name,
                spec.purpose,
                spec.approval_id,
                recipient_id,
                spec.destroy_after,
                list(spec.quasi_identifiers),
                spec.k,
                spec.l,
                spec.max_suppression,
                spec.date_policy.value,
                list(spec.contents),
                list(spec.formats),
                spec.study_id,
                key_id,
                actor,
            ),
        ).fetchone()
        assert row is not None
        project_id = uuid.UUID(str(row[0]))
        conn.execute(
            "INSERT INTO custodian.export_keys (project_id, key_id, hmac_key) VALUES (%s, %s, %s)",
            (project_id, key_id, new_key()),
        )
        _audit(conn, actor, "export.create", spec.name, "success", spec.purpose)
        return find_project(conn, spec.name)


def _researcher(conn: Conn, username: str) -> uuid.UUID:
    row = conn.execute(
        "SELECT account_id, role, disabled_at FROM accounts WHERE lower(username) = lower(%s)",
        (username,),
    ).fetchone()
    if row is None:
        raise ExportError(
            f"recipient {username!r} has no account; create it first "
            "(wearmon user add --role researcher)"
        )
    if row[1] != "researcher" or row[2] is not None:
        raise ExportError(
            f"recipient {username!r} is a {row[1]} account"
            f"{' (disabled)' if row[2] is not None else ''}; exports go to researchers only"
        )
    return uuid.UUID(str(row[0]))


_SELECT = (
    "SELECT p.project_id, p.name, p.purpose, p.approval_id, p.recipient_id, a.username,"
    " p.destroy_after, p.quasi_identifiers, p.k, p.l, p.max_suppression, p.date_policy,"
    " p.contents, p.formats, p.study_id, p.key_id, p.created_at, p.destroyed_at"
    " FROM export_projects p JOIN accounts a ON a.account_id = p.recipient_id"
)


def _project(row: tuple[object, ...]) -> Project:
    (pid, name, purpose, approval, rid, user, destroy, qis, k, l_, sup, policy) = row[:12]
    (contents, formats, study, key_id, created, destroyed) = row[12:]
    return Project(
        project_id=uuid.UUID(str(pid)),
        name=str(name),
        purpose=str(purpose),
        approval_id=str(approval),
        recipient_id=uuid.UUID(str(rid)),
        recipient=str(user),
        destroy_after=destroy,  # type: ignore[arg-type]
        quasi_identifiers=_strings(qis),
        k=int(str(k)),
        l=None if l_ is None else int(str(l_)),
        max_suppression=float(str(sup)),
        date_policy=DatePolicy(str(policy)),
        contents=_strings(contents),
        formats=_strings(formats),
        study_id=None if study is None else str(study),
        key_id=uuid.UUID(str(key_id)),
        created_at=created,  # type: ignore[arg-type]
        destroyed_at=destroyed,  # type: ignore[arg-type]
    )


def _strings(value: object) -> tuple[str, ...]:
    assert isinstance(value, list)
    return tuple(str(v) for v in value)


def find_project(conn: Conn, name: str) -> Project:
    """The project called ``name``; ExportError naming the known ones otherwise."""
    row = conn.execute(_SELECT + " WHERE p.name = %s", (name,)).fetchone()
    if row is None:
        known = [p.name for p in list_projects(conn)]
        raise ExportError(
            f"no export project named {name!r}; known: {', '.join(known) or 'none'} "
            "(create one with wearmon export create)"
        )
    return _project(row)


def list_projects(conn: Conn) -> list[Project]:
    """Every project, newest first."""
    return [_project(r) for r in conn.execute(_SELECT + " ORDER BY p.created_at DESC").fetchall()]


def project_key(conn: Conn, project: Project) -> bytes:
    """The project's HMAC key; needs the custodian role (SET LOCAL ROLE first)."""
    row = conn.execute(
        "SELECT hmac_key FROM custodian.export_keys WHERE project_id = %s", (project.project_id,)
    ).fetchone()
    if row is None or not isinstance(row[0], bytes):
        raise ExportError(f"export project {project.name!r} has no key: it was destroyed")
    return row[0]


def destroy_project(conn: Conn, name: str, *, actor: str) -> list[str]:
    """Delete the key, the offsets and the output directories of every run; audited.

    Returns the output directories of the runs, for the caller to delete the files.
    """
    with conn.transaction():
        use_custodian_role(conn)
        project = find_project(conn, name)
        conn.execute(
            "DELETE FROM custodian.date_offsets WHERE project_id = %s", (project.project_id,)
        )
        conn.execute(
            "DELETE FROM custodian.export_keys WHERE project_id = %s", (project.project_id,)
        )
        dirs = conn.execute(
            "UPDATE export_runs SET status = 'destroyed' WHERE project_id = %s"
            " AND out_dir IS NOT NULL RETURNING out_dir",
            (project.project_id,),
        ).fetchall()
        conn.execute(
            "UPDATE export_projects SET destroyed_at = now() WHERE project_id = %s",
            (project.project_id,),
        )
        _audit(conn, actor, "export.destroy", name, "success", None)
    return [str(d[0]) for d in dirs]


def _audit(
    conn: Conn, actor: str, action: str, name: str, outcome: str, reason: str | None
) -> None:
    write_audit(
        conn,
        AuditEntry(actor, "custodian", action, f"export_project:{name}", outcome, reason=reason),
    )
