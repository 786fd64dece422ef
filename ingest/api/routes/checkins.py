"""Check-ins: the home gateway's upload and week summary, and the participant's own week."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from ingest.api.auth_deps import Principal, require_role
from ingest.api.body import parse_body, request_body
from ingest.api.deps import (
    ConnDep,
    GatewayDep,
    IdempotencyKey,
    StateDep,
    connection,
)
from ingest.api.problems import documented
from ingest.api.routes.ingest import upload_refusals_as_http, upload_window
from ingest.api.schemas_checkins import CheckinIn, CheckinResultOut, LastCheckinOut, WeekOut
from ingest.checkins import CheckinRejected, store_checkin
from ingest.storage.audit import write_audit_async
from ingest.storage.checkins import Week, week_summary

log = logging.getLogger(__name__)

router = APIRouter(prefix="/ingest/checkin", tags=["ingest"])
me_router = APIRouter(prefix="/me", tags=["participant"])

ParticipantDep = Annotated[Principal, Depends(require_role("participant"))]


@router.post(
    "",
    response_model=CheckinResultOut,
    responses=documented(401, 403, 408, 413, 422, 429, 503),
    summary="Store a completed wellbeing check-in exactly once; the server scores it",
    openapi_extra=request_body(CheckinIn),
)
async def post_checkin(
    request: Request,
    gateway: GatewayDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> CheckinResultOut:
    raw = await request.body()
    checkin = parse_body(CheckinIn, raw)
    window = upload_window(state.settings)
    try:
        with upload_refusals_as_http():
            async with connection(state) as conn:
                outcome = await store_checkin(
                    conn,
                    gateway=gateway,
                    checkin=checkin,
                    idempotency_key=idempotency_key,
                    body_sha256=hashlib.sha256(raw).digest(),
                    window=window,
                )
    except CheckinRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    if outcome.risk and not outcome.duplicate:
        # No answer content in the log: only that the worker has urgent work.
        log.warning("check-in %s carries a risk answer; HIGH alert queued", outcome.checkin_id)
    return CheckinResultOut(
        checkin_id=outcome.checkin_id,
        status="duplicate" if outcome.duplicate else "stored",
        score=outcome.score,
        scoring=outcome.scoring,
        positive=outcome.positive,
        cutoff=outcome.cutoff,
    )


def _week_out(week: Week) -> WeekOut:
    last = (
        None
        if week.last_checkin_at is None
        else LastCheckinOut(
            completed_at=week.last_checkin_at, seen_by_care_team=week.last_checkin_seen
        )
    )
    return WeekOut(
        participant_id=week.participant_id,
        display_name=week.display_name,
        wear_time_hours_7d=week.wear_time_hours_7d,
        time_in_range_pct_7d=week.time_in_range_pct_7d,
        last_checkin=last,
    )


@router.get(
    "/participants/{participant_id}/week",
    response_model=WeekOut,
    responses=documented(401, 403, 429, 503),
    summary="A bound participant's week for the home page (wear time, time in range)",
)
async def get_gateway_week(
    participant_id: uuid.UUID, gateway: GatewayDep, state: StateDep
) -> WeekOut:
    async with connection(state) as conn:
        cur = await conn.execute(
            "SELECT 1 FROM gateway_participants gp JOIN participants p USING (participant_id)"
            " WHERE gp.gateway_id = %s AND gp.participant_id = %s"
            " AND p.consent_status = 'consented'",
            (gateway.gateway_id, participant_id),
        )
        if await cur.fetchone() is None:
            await conn.rollback()
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"participant {participant_id} is not bound to this gateway (or has withdrawn)",
            )
        week = await week_summary(conn, participant_id, state.clock())
        await conn.commit()
    assert week is not None  # bound above, so the participant exists
    return _week_out(week)


@me_router.get(
    "/week",
    response_model=WeekOut,
    responses={401: {}, 403: {}},
    summary="The signed-in participant's own week (wear time, time in range, last check-in)",
)
async def get_my_week(account: ParticipantDep, state: StateDep, conn: ConnDep) -> WeekOut:
    pid = account.participant_id
    if pid is None:  # the accounts table ties every participant account to a record
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this account has no participant record")
    week = await week_summary(conn, pid, state.clock())
    if week is None:
        await conn.rollback()
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this account has no participant record")
    await write_audit_async(
        conn, account.audit("read", f"participant/{pid}/week", "success", subjects=[pid])
    )
    await conn.commit()
    return _week_out(week)
