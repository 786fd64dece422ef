"""People's authentication and authorisation as FastAPI dependencies (``Annotated`` aliases).

- ``AccountDep``: any signed-in account (a session token as ``Authorization: Bearer``,
  or the ``wearmon_session`` cookie a browser client holds);
- ``ClinicianDep``: clinicians only; everyone else gets 403 on identifiable clinical
  routes, and the refusal is audited;
- ``ensure_participant_in_scope`` / ``ensure_alert_in_scope``: object-level checks; a
  clinician asking for a participant (or an alert) outside their care teams gets 404, the
  same answer as for one that does not exist, and the attempt is audited.

Gateways authenticate elsewhere (``ingest.api.deps``); nothing here hashes a password.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ingest.api.deps import ConnDep, StateDep
from ingest.api.request_id import request_id_of
from ingest.auth.policy import SessionPolicy, SessionVerdict, needs_touch, session_verdict
from ingest.storage.accounts import Role
from ingest.storage.audit import AuditEntry, write_audit_async
from ingest.storage.sessions import AsyncConn, find_session, touch_session

# A browser client (the dashboard) keeps the same server-side session in this cookie,
# set HttpOnly, Secure and SameSite=Strict; API clients use the bearer header.
SESSION_COOKIE = "wearmon_session"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="session",
    description="session token from POST /api/v1/auth/token",
)
_SIGN_IN_AGAIN = "sign in again (POST /api/v1/auth/token)"


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in account behind a request, and where the request came from."""

    account_id: uuid.UUID
    username: str
    role: str
    session_id: uuid.UUID
    participant_id: uuid.UUID | None = None
    source_ip: str | None = None
    request_id: str | None = None

    def audit(
        self,
        action: str,
        resource: str,
        outcome: str,
        *,
        subjects: Sequence[uuid.UUID] = (),
        details: dict[str, object] | None = None,
        reason: str | None = None,
    ) -> AuditEntry:
        """An audit row for something this account did in this request."""
        return AuditEntry(
            actor=self.username,
            role=self.role,
            action=action,
            resource=resource,
            outcome=outcome,
            subjects=subjects,
            source_ip=self.source_ip,
            request_id=self.request_id,
            reason=reason,
            details={"account_id": str(self.account_id), **(details or {})},
        )


def source_ip_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def session_policy(state: StateDep) -> SessionPolicy:
    s = state.settings
    return SessionPolicy(
        idle=dt.timedelta(minutes=s.session_idle_minutes),
        absolute=dt.timedelta(hours=s.session_absolute_hours),
    )


def presented_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The session token of the request: the bearer header, else the session cookie."""
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie
    raise _unauthorised(
        "not signed in: send 'Authorization: Bearer <token>' with a token from "
        "POST /api/v1/auth/token"
    )


async def current_account(
    request: Request,
    state: StateDep,
    conn: ConnDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """401 unless the request carries a live session of an enabled account."""
    token = presented_token(request, credentials)
    row = await find_session(conn, token)
    if row is None:
        await conn.rollback()
        raise _unauthorised(f"unknown session token; {_SIGN_IN_AGAIN}")
    now = state.clock()
    policy = session_policy(state)
    verdict = session_verdict(
        now,
        last_used_at=row.last_used_at,
        absolute_expires_at=row.absolute_expires_at,
        revoked_at=row.revoked_at,
        policy=policy,
    )
    if row.account_disabled_at is not None:
        await conn.rollback()
        raise _unauthorised("this account is disabled; ask an administrator")
    if verdict is not SessionVerdict.VALID:
        await conn.rollback()
        raise _unauthorised(_why(verdict, policy))
    if needs_touch(now, row.last_used_at):
        await touch_session(conn, row.session_id, now)
    await conn.commit()
    return Principal(
        account_id=row.account_id,
        username=row.username,
        role=row.role,
        session_id=row.session_id,
        participant_id=row.participant_id,
        source_ip=source_ip_of(request),
        request_id=request_id_of(request),
    )


AccountDep = Annotated[Principal, Depends(current_account)]


def require_role(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only ``roles``; others get 403 and the refusal is audited."""

    async def admit(request: Request, principal: AccountDep, conn: ConnDep) -> Principal:
        if principal.role in roles:
            return principal
        await write_audit_async(
            conn,
            principal.audit(
                "access",
                f"{request.method} {request.url.path}",
                "denied",
                details={"reason": f"role {principal.role} not in {list(roles)}"},
            ),
        )
        await conn.commit()
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role {principal.role!r} may not use this route; it is for: {', '.join(roles)}",
        )

    return admit


# Identifiable clinical routes: the care team's clinicians only (docs/privacy.md "Roles":
# researchers see no identifiable data, admins do no routine clinical reads).
ClinicianDep = Annotated[Principal, Depends(require_role("clinician"))]


async def participant_in_scope(
    conn: AsyncConn, account: Principal, participant_id: uuid.UUID
) -> bool:
    """Whether ``account`` may see ``participant_id`` (a care-team member, or oneself)."""
    if account.role == "participant":
        return account.participant_id == participant_id
    if account.role != "clinician":
        return False
    cur = await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM team_members m JOIN team_participants p USING (team_id)"
        " WHERE m.account_id = %s AND p.participant_id = %s)",
        (account.account_id, participant_id),
    )
    row = await cur.fetchone()
    return bool(row and row[0])


async def ensure_participant_in_scope(
    conn: AsyncConn, account: Principal, participant_id: uuid.UUID, *, action: str
) -> None:
    """404 (audited) unless ``account`` may see ``participant_id``."""
    if await participant_in_scope(conn, account, participant_id):
        return
    await _refuse_not_found(
        conn, account, action, f"participant/{participant_id}", [participant_id]
    )
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"participant {participant_id} not found")


async def ensure_alert_in_scope(
    conn: AsyncConn, account: Principal, alert_id: uuid.UUID, *, action: str
) -> uuid.UUID:
    """The alert's participant; 404 (audited) if the alert is missing or out of scope."""
    cur = await conn.execute("SELECT participant_id FROM alerts WHERE alert_id = %s", (alert_id,))
    row = await cur.fetchone()
    participant_id = None if row is None else uuid.UUID(str(row[0]))
    if participant_id is not None and await participant_in_scope(conn, account, participant_id):
        return participant_id
    subjects = [] if participant_id is None else [participant_id]
    await _refuse_not_found(conn, account, action, f"alert/{alert_id}", subjects)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"alert {alert_id} not found")


async def _refuse_not_found(
    conn: AsyncConn,
    account: Principal,
    action: str,
    resource: str,
    subjects: Sequence[uuid.UUID],
) -> None:
    await conn.rollback()
    await write_audit_async(
        conn,
        account.audit(
            action, resource, "denied", subjects=subjects, details={"reason": "out of scope"}
        ),
    )
    await conn.commit()


def _why(verdict: SessionVerdict, policy: SessionPolicy) -> str:
    if verdict is SessionVerdict.REVOKED:
        return f"this session was signed out or revoked; {_SIGN_IN_AGAIN}"
    if verdict is SessionVerdict.IDLE:
        minutes = policy.idle.total_seconds() / 60
        return f"the session expired after {minutes:g} minutes without use; {_SIGN_IN_AGAIN}"
    hours = policy.absolute.total_seconds() / 3600
    return f"the session reached its {hours:g}-hour limit; {_SIGN_IN_AGAIN}"


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )
