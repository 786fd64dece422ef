"""Accounts and care teams: the administrator's operations (CLI side), each audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import psycopg

from ingest.errors import IngestError
from ingest.storage.audit import AuditEntry, write_audit

Role = Literal["clinician", "researcher", "admin", "custodian", "participant"]
ROLES: tuple[Role, ...] = get_args(Role)


class AccountError(IngestError):
    """An account or team operation names something missing or conflicting."""


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as `wearmon user list` shows it (never the hash)."""

    account_id: uuid.UUID
    username: str
    role: str
    display_name: str | None
    teams: tuple[str, ...]
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    locked_until: dt.datetime | None


def ensure_team(conn: psycopg.Connection[tuple[object, ...]], name: str, actor: str) -> uuid.UUID:
    """The id of team ``name``, created (and audited) if it does not exist yet."""
    row = conn.execute(
        "INSERT INTO care_teams (name) VALUES (%s) ON CONFLICT (name) DO NOTHING RETURNING team_id",
        (name,),
    ).fetchone()
    if row is not None:
        team_id = uuid.UUID(str(row[0]))
        write_audit(
            conn,
            AuditEntry(
                actor, "admin", "create", f"team/{team_id}", "success", details={"team": name}
            ),
        )
        return team_id
    found = conn.execute("SELECT team_id FROM care_teams WHERE name = %s", (name,)).fetchone()
    assert found is not None  # the conflict above means it exists
    return uuid.UUID(str(found[0]))


def create_account(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    username: str,
    role: Role,
    password_hash: str,
    team: str | None,
    display_name: str | None,
    participant_id: uuid.UUID | None,
    actor: str,
) -> uuid.UUID:
    """Create an account (and its team if named and new); return the account id."""
    with conn.transaction():
        taken = conn.execute(
            "SELECT 1 FROM accounts WHERE lower(username) = lower(%s)", (username,)
        ).fetchone()
        if taken:
            raise AccountError(f"username {username!r} is taken; choose another")
        row = conn.execute(
            "INSERT INTO accounts (username, role, password_hash, display_name, participant_id)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING account_id",
            (username, role, password_hash, display_name, participant_id),
        ).fetchone()
        assert row is not None
        account_id = uuid.UUID(str(row[0]))
        details: dict[str, object] = {"username": username, "role": role}
        if team is not None:
            team_id = ensure_team(conn, team, actor)
            conn.execute(
                "INSERT INTO team_members (team_id, account_id) VALUES (%s, %s)",
                (team_id, account_id),
            )
            details["team"] = team
        write_audit(
            conn,
            AuditEntry(
                actor,
                "admin",
                "create",
                f"account/{account_id}",
                "success",
                subjects=[participant_id] if participant_id else [],
                details=details,
            ),
        )
    return account_id


def disable_account(
    conn: psycopg.Connection[tuple[object, ...]], *, username: str, actor: str
) -> uuid.UUID:
    """Disable an account and revoke its sessions at once; return its id."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE accounts SET disabled_at = coalesce(disabled_at, now())"
            " WHERE lower(username) = lower(%s) RETURNING account_id",
            (username,),
        ).fetchone()
        if row is None:
            raise AccountError(f"no account named {username!r} (see: wearmon user list)")
        account_id = uuid.UUID(str(row[0]))
        revoked = conn.execute(
            "UPDATE sessions SET revoked_at = now() WHERE account_id = %s AND revoked_at IS NULL",
            (account_id,),
        ).rowcount
        write_audit(
            conn,
            AuditEntry(
                actor,
                "admin",
                "disable",
                f"account/{account_id}",
                "success",
                details={"username": username, "sessions_revoked": revoked},
            ),
        )
    return account_id


def assign_participant(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    team: str,
    participant_id: uuid.UUID,
    actor: str,
) -> tuple[uuid.UUID, bool]:
    """Put a participant on a team (created if new); return (team id, newly assigned)."""
    with conn.transaction():
        known = conn.execute(
            "SELECT 1 FROM participants WHERE participant_id = %s", (participant_id,)
        ).fetchone()
        if known is None:
            raise AccountError(
                f"participant {participant_id} is not enrolled "
                "(enrol first: wearmon enroll participant)"
            )
        team_id = ensure_team(conn, team, actor)
        added = conn.execute(
            "INSERT INTO team_participants (team_id, participant_id) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING",
            (team_id, participant_id),
        ).rowcount
        write_audit(
            conn,
            AuditEntry(
                actor,
                "admin",
                "assign",
                f"team/{team_id}",
                "success" if added else "unchanged",
                subjects=[participant_id],
                details={"team": team},
            ),
        )
    return team_id, bool(added)


def list_accounts(conn: psycopg.Connection[tuple[object, ...]]) -> list[AccountRow]:
    """Every account with its teams, oldest first."""
    rows = conn.execute(
        "SELECT a.account_id, a.username, a.role, a.display_name,"
        " coalesce(array_agg(t.name ORDER BY t.name) FILTER (WHERE t.name IS NOT NULL), '{}'),"
        " a.created_at, a.disabled_at, a.locked_until"
        " FROM accounts a LEFT JOIN team_members m USING (account_id)"
        " LEFT JOIN care_teams t USING (team_id)"
        " GROUP BY a.account_id ORDER BY a.created_at, a.username"
    ).fetchall()
    return [_account_row(r) for r in rows]


def _account_row(r: Sequence[object]) -> AccountRow:
    teams = r[4]
    assert isinstance(teams, list)
    return AccountRow(
        account_id=uuid.UUID(str(r[0])),
        username=str(r[1]),
        role=str(r[2]),
        display_name=None if r[3] is None else str(r[3]),
        teams=tuple(str(t) for t in teams),
        created_at=_ts(r[5]),
        disabled_at=None if r[6] is None else _ts(r[6]),
        locked_until=None if r[7] is None else _ts(r[7]),
    )


def _ts(value: object) -> dt.datetime:
    assert isinstance(value, dt.datetime)
    return value
