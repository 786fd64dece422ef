"""The triage list and "reviewed" marks (clinicians of the participant's care team)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status

from ingest.api.auth_deps import ClinicianDep, Principal, ensure_participant_in_scope
from ingest.api.deps import ConnDep, StateDep
from ingest.api.schemas_clinical import GlucoseGlanceOut, ReviewOut, TriageItemOut, TriageOut
from ingest.storage.audit import write_audit_async
from ingest.storage.sessions import AsyncConn
from ingest.storage.triage import mark_reviewed, triage, undo_review

router = APIRouter(tags=["clinical"])

_DENIED: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


@router.get(
    "/triage",
    response_model=TriageOut,
    responses=_DENIED,
    summary="The signed-in clinician's participants, most urgent first",
)
async def get_triage(account: ClinicianDep, state: StateDep, conn: ConnDep) -> TriageOut:
    rows = await triage(conn, account.account_id, state.clock())
    await write_audit_async(
        conn,
        account.audit("read", "triage", "success", subjects=[r.participant_id for r in rows]),
    )
    await conn.commit()
    return TriageOut(
        items=[
            TriageItemOut(
                **{
                    f.name: getattr(r, f.name)
                    for f in dataclasses.fields(r)
                    if f.name != "glucose_14d"
                },
                glucose_14d=GlucoseGlanceOut(**dataclasses.asdict(r.glucose_14d)),
            )
            for r in rows
        ]
    )


@router.post(
    "/participants/{participant_id}/reviewed",
    response_model=ReviewOut,
    responses={**_DENIED, 404: {}},
    summary="Mark a participant reviewed (shown as 'last reviewed by/at' on the triage list)",
)
async def post_reviewed(
    participant_id: uuid.UUID, account: ClinicianDep, state: StateDep, conn: ConnDep
) -> ReviewOut:
    await ensure_participant_in_scope(conn, account, participant_id, action="review")
    now = state.clock()
    review_id = await mark_reviewed(conn, participant_id, account.account_id, now)
    return await _commit_audited(conn, account, "review", participant_id, review_id, now)


@router.delete(
    "/participants/{participant_id}/reviewed",
    response_model=ReviewOut,
    responses={**_DENIED, 404: {}},
    summary="Undo your newest 'reviewed' mark of a participant",
)
async def delete_reviewed(
    participant_id: uuid.UUID, account: ClinicianDep, state: StateDep, conn: ConnDep
) -> ReviewOut:
    await ensure_participant_in_scope(conn, account, participant_id, action="unreview")
    review_id = await undo_review(conn, participant_id, account.account_id, state.clock())
    if review_id is None:
        await conn.rollback()
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"you have no standing 'reviewed' mark on participant {participant_id} to undo",
        )
    return await _commit_audited(conn, account, "unreview", participant_id, review_id, None)


async def _commit_audited(
    conn: AsyncConn,
    account: Principal,
    action: str,
    participant_id: uuid.UUID,
    review_id: int,
    reviewed_at: dt.datetime | None,
) -> ReviewOut:
    """Audit the (un)review, commit it with the mark, and answer; ``reviewed_at`` is
    None for an undone mark."""
    # The audit entry commits with the mark it records: one is never kept without the other.
    await write_audit_async(
        conn,
        account.audit(
            action,
            f"participant/{participant_id}",
            "success",
            subjects=[participant_id],
            details={"review_id": review_id},
        ),
    )
    await conn.commit()
    return ReviewOut(
        participant_id=participant_id,
        review_id=review_id,
        reviewed_by=account.username,
        reviewed_at=reviewed_at,
        undone=reviewed_at is None,
    )
