"""Sign-in and sign-out of people (clinicians, researchers, admins, custodians).

Passwords are checked off the event loop and without holding a pooled connection: a
slow Argon2id hash must neither stall other requests nor starve the pool.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pydantic
from fastapi import APIRouter, HTTPException, Request, Response, status

from ingest.api.auth_deps import (
    SESSION_COOKIE,
    AccountDep,
    session_policy,
    source_ip_of,
)
from ingest.api.deps import ConnDep, StateDep
from ingest.api.request_id import request_id_of
from ingest.api.schemas import OkOut
from ingest.api.schemas_auth import AccountOut, CredentialsIn, TokenOut
from ingest.api.state import AppState
from ingest.auth.passwords import verify_password
from ingest.auth.policy import LockoutPolicy, absolute_expiry, after_failure, is_locked
from ingest.storage.audit import AuditEntry, write_audit_async
from ingest.storage.sessions import (
    AsyncConn,
    SignInState,
    new_session_token,
    open_session,
    record_failure,
    record_success,
    revoke_session,
    sign_in_state,
)

router = APIRouter(prefix="/auth", tags=["auth"])

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


def _refusal(state: AppState) -> HTTPException:
    # One message for every refusal, so that the answer does not tell which usernames
    # exist (OWASP Authentication Cheat Sheet, "Authentication and Error Messages").
    s = state.settings
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "sign-in failed: unknown username or wrong password, or the account is disabled, "
        f"or it is locked after {s.lockout_failures} failed attempts in a row (it opens "
        f"again {s.lockout_minutes:g} minutes later; an administrator can help)",
        headers={"WWW-Authenticate": "Bearer"},
    )


@dataclass(frozen=True, slots=True)
class _Attempt:
    username: str
    password: str
    source_ip: str | None
    request_id: str | None
    user_agent: str | None

    def audit(self, role: str, outcome: str, **details: object) -> AuditEntry:
        return AuditEntry(
            actor=self.username,
            role=role,
            action="sign_in",
            resource="session",
            outcome=outcome,
            source_ip=self.source_ip,
            request_id=self.request_id,
            details=details,
        )


@router.post(
    "/token",
    response_model=TokenOut,
    responses={401: {}, 415: {}, 422: {}},
    summary="Sign in with username and password (form fields or JSON); returns a session token",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                _FORM: {"schema": {"$ref": "#/components/schemas/CredentialsIn"}},
                _JSON: {"schema": {"$ref": "#/components/schemas/CredentialsIn"}},
            },
        }
    },
)
async def post_token(request: Request, state: StateDep) -> TokenOut:
    creds = _parse_credentials(request.headers.get("content-type", ""), await request.body())
    attempt = _Attempt(
        creds.username,
        creds.password,
        source_ip_of(request),
        request_id_of(request),
        request.headers.get("user-agent"),
    )
    async with state.pool.connection() as conn:
        before = await sign_in_state(conn, attempt.username)
        await conn.rollback()
    stored = None if before is None else before.password_hash
    valid, new_hash = await asyncio.to_thread(verify_password, attempt.password, stored)
    async with state.pool.connection() as conn:
        issued = await _settle(conn, state, attempt, stored, valid, new_hash)
        await conn.commit()
    if issued is None:
        raise _refusal(state)
    return issued


async def _settle(
    conn: AsyncConn,
    state: AppState,
    attempt: _Attempt,
    checked_hash: str | None,
    valid: bool,
    new_hash: str | None,
) -> TokenOut | None:
    """Record the attempt under the account's row lock; a token if sign-in succeeded."""
    now = state.clock()
    account = await sign_in_state(conn, attempt.username, for_update=True)
    if account is None:
        await write_audit_async(conn, attempt.audit("anonymous", "failure", reason="unknown user"))
        return None
    if account.disabled_at is not None:
        await write_audit_async(conn, attempt.audit(account.role, "failure", reason="disabled"))
        return None
    if is_locked(now, account.locked_until):
        await write_audit_async(conn, attempt.audit(account.role, "locked", reason="locked"))
        return None
    # A password changed while we were hashing: the check was against the old one.
    if not valid or account.password_hash != checked_hash:
        await _count_failure(conn, state, attempt, account, now)
        return None
    return await _open(conn, state, attempt, account, new_hash, now)


async def _count_failure(
    conn: AsyncConn, state: AppState, attempt: _Attempt, account: SignInState, now: dt.datetime
) -> None:
    s = state.settings
    outcome = after_failure(
        now,
        failed_logins=account.failed_logins,
        locked_until=account.locked_until,
        policy=LockoutPolicy(s.lockout_failures, dt.timedelta(minutes=s.lockout_minutes)),
    )
    await record_failure(conn, account.account_id, outcome.failed_logins, outcome.locked_until)
    await write_audit_async(
        conn,
        attempt.audit(
            account.role,
            "locked" if outcome.locked_now else "failure",
            reason="wrong password",
            failed_logins=outcome.failed_logins,
            locked_until=None if outcome.locked_until is None else outcome.locked_until.isoformat(),
        ),
    )


async def _open(
    conn: AsyncConn,
    state: AppState,
    attempt: _Attempt,
    account: SignInState,
    new_hash: str | None,
    now: dt.datetime,
) -> TokenOut:
    policy = session_policy(state)
    token = new_session_token()
    expires_at = absolute_expiry(now, policy)
    await record_success(conn, account.account_id, new_hash)
    session_id = await open_session(
        conn,
        account_id=account.account_id,
        token=token,
        now=now,
        absolute_expires_at=expires_at,
        source_ip=attempt.source_ip,
        user_agent=attempt.user_agent,
    )
    await write_audit_async(
        conn,
        attempt.audit(
            account.role,
            "success",
            account_id=str(account.account_id),
            session_id=str(session_id),
        ),
    )
    return TokenOut(
        access_token=token,
        expires_at=expires_at,
        idle_timeout_s=int(policy.idle.total_seconds()),
    )


def _parse_credentials(content_type: str, raw: bytes) -> CredentialsIn:
    kind = content_type.split(";", 1)[0].strip().lower()
    data: Any
    try:
        if kind == _FORM:
            data = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        elif kind == _JSON:
            data = json.loads(raw)
        else:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                f"send username and password as {_FORM} or {_JSON}",
            )
        return CredentialsIn.model_validate(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"the body is not valid {kind}: {exc}"
        ) from exc
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems) from exc


@router.post("/logout", response_model=OkOut, responses={401: {}}, summary="Sign out at once")
async def post_logout(
    account: AccountDep, state: StateDep, conn: ConnDep, response: Response
) -> OkOut:
    await revoke_session(conn, account.session_id, state.clock())
    await write_audit_async(
        conn,
        account.audit(
            "sign_out", "session", "success", details={"session_id": str(account.session_id)}
        ),
    )
    await conn.commit()
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return OkOut()


@router.get("/me", response_model=AccountOut, responses={401: {}}, summary="The signed-in account")
async def get_me(account: AccountDep, conn: ConnDep) -> AccountOut:
    cur = await conn.execute(
        "SELECT coalesce(array_agg(t.name ORDER BY t.name), '{}') FROM team_members m"
        " JOIN care_teams t USING (team_id) WHERE m.account_id = %s",
        (account.account_id,),
    )
    row = await cur.fetchone()
    await conn.commit()
    teams = row[0] if row and isinstance(row[0], list) else []
    return AccountOut(
        account_id=account.account_id,
        username=account.username,
        role=account.role,
        teams=[str(t) for t in teams],
    )
