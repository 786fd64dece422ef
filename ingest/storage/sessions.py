"""Sign-in state and sessions (API side): what the auth routes and dependencies read."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import psycopg

# docs/privacy.md "Authentication": 256-bit random session tokens; only a SHA-256 of the
# token is stored (a high-entropy secret needs no slow hash).
_TOKEN_BYTES = 32

AsyncConn = psycopg.AsyncConnection[tuple[object, ...]]


def new_session_token() -> str:
    """A fresh opaque token (base64url, 43 characters)."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def session_digest(token: str) -> bytes:
    """SHA-256 of a session token: what the database stores and looks up."""
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class SignInState:
    """What sign-in needs to know about an account before and after checking a password."""

    account_id: uuid.UUID
    username: str
    role: str
    password_hash: str
    disabled_at: dt.datetime | None
    failed_logins: int
    locked_until: dt.datetime | None


_SIGN_IN_COLUMNS = (
    "account_id, username, role, password_hash, disabled_at, failed_logins, locked_until"
)


async def sign_in_state(
    conn: AsyncConn, username: str, *, for_update: bool = False
) -> SignInState | None:
    """The account named ``username`` (case-insensitive), or None."""
    lock = " FOR UPDATE" if for_update else ""
    cur = await conn.execute(
        f"SELECT {_SIGN_IN_COLUMNS} FROM accounts WHERE lower(username) = lower(%s){lock}",
        (username,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return SignInState(
        account_id=uuid.UUID(str(row[0])),
        username=str(row[1]),
        role=str(row[2]),
        password_hash=str(row[3]),
        disabled_at=_opt_ts(row[4]),
        failed_logins=int(str(row[5])),
        locked_until=_opt_ts(row[6]),
    )


async def record_failure(
    conn: AsyncConn, account_id: uuid.UUID, failed_logins: int, locked_until: dt.datetime | None
) -> None:
    await conn.execute(
        "UPDATE accounts SET failed_logins = %s, locked_until = %s WHERE account_id = %s",
        (failed_logins, locked_until, account_id),
    )


async def record_success(conn: AsyncConn, account_id: uuid.UUID, new_hash: str | None) -> None:
    """Clear the failure count; store a re-computed hash if the parameters changed."""
    await conn.execute(
        "UPDATE accounts SET failed_logins = 0, locked_until = NULL,"
        " password_hash = coalesce(%s, password_hash) WHERE account_id = %s",
        (new_hash, account_id),
    )


async def open_session(
    conn: AsyncConn,
    *,
    account_id: uuid.UUID,
    token: str,
    now: dt.datetime,
    absolute_expires_at: dt.datetime,
    source_ip: str | None,
    user_agent: str | None,
) -> uuid.UUID:
    cur = await conn.execute(
        "INSERT INTO sessions (token_sha256, account_id, created_at, last_used_at,"
        " absolute_expires_at, source_ip, user_agent) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " RETURNING session_id",
        (
            session_digest(token),
            account_id,
            now,
            now,
            absolute_expires_at,
            source_ip,
            None if user_agent is None else user_agent[:200],
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A presented session with its account, for the request's authentication."""

    session_id: uuid.UUID
    account_id: uuid.UUID
    username: str
    role: str
    participant_id: uuid.UUID | None
    last_used_at: dt.datetime
    absolute_expires_at: dt.datetime
    revoked_at: dt.datetime | None
    account_disabled_at: dt.datetime | None


async def find_session(conn: AsyncConn, token: str) -> SessionRow | None:
    cur = await conn.execute(
        "SELECT s.session_id, s.account_id, a.username, a.role, a.participant_id,"
        " s.last_used_at, s.absolute_expires_at, s.revoked_at, a.disabled_at"
        " FROM sessions s JOIN accounts a USING (account_id) WHERE s.token_sha256 = %s",
        (session_digest(token),),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return SessionRow(
        session_id=uuid.UUID(str(row[0])),
        account_id=uuid.UUID(str(row[1])),
        username=str(row[2]),
        role=str(row[3]),
        participant_id=None if row[4] is None else uuid.UUID(str(row[4])),
        last_used_at=_ts(row[5]),
        absolute_expires_at=_ts(row[6]),
        revoked_at=_opt_ts(row[7]),
        account_disabled_at=_opt_ts(row[8]),
    )


async def touch_session(conn: AsyncConn, session_id: uuid.UUID, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE sessions SET last_used_at = greatest(last_used_at, %s) WHERE session_id = %s",
        (now, session_id),
    )


async def revoke_session(conn: AsyncConn, session_id: uuid.UUID, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE sessions SET revoked_at = coalesce(revoked_at, %s) WHERE session_id = %s",
        (now, session_id),
    )


def _ts(value: object) -> dt.datetime:
    assert isinstance(value, dt.datetime)
    return value


def _opt_ts(value: object) -> dt.datetime | None:
    return None if value is None else _ts(value)
