"""Gateway-facing routes: batches of readings and heartbeats."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException, Request, status

from ingest.api.body import parse_body, request_body
from ingest.api.deps import GatewayDep, IdempotencyKey, StateDep, connection, unauthorized_revoked
from ingest.api.problems import documented
from ingest.api.schemas import BatchIn, BatchResultOut, HeartbeatIn, OkOut, RejectionOut
from ingest.ingestion import Forbidden, IdempotencyConflict, Revoked, ingest_batch
from ingest.settings import ServerSettings
from ingest.storage.gateways import bound_devices, record_heartbeat
from ingest.validation import TimeWindow

router = APIRouter(prefix="/ingest", tags=["ingest"])

# Whole-batch 422s say which problem it is in this header, so that a gateway can act on
# it (re-form the batch under a new key, or split it) instead of parsing prose.
ERROR_CODE_HEADER = "X-Wearmon-Error"


def upload_window(settings: ServerSettings) -> TimeWindow:
    """The measurement times a gateway's upload received now may carry."""
    return TimeWindow(
        dt.datetime.now(dt.UTC), settings.future_tolerance_s, settings.buffer_window_days
    )


@contextlib.contextmanager
def upload_refusals_as_http() -> Iterator[None]:
    """Answers a gateway acts on when the store refuses its keyed upload (batch or
    check-in): 401 revoked token, 403 unbound device or participant, 422 with
    ``idempotency_conflict`` for a key reused with another body."""
    try:
        yield
    except Revoked as exc:
        raise unauthorized_revoked() from exc
    except Forbidden as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except IdempotencyConflict as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            str(exc),
            headers={ERROR_CODE_HEADER: "idempotency_conflict"},
        ) from exc


@router.post(
    "/batch",
    response_model=BatchResultOut,
    responses=documented(401, 403, 408, 413, 422, 429, 503),
    summary="Store a gateway's batch of readings exactly once",
    openapi_extra=request_body(BatchIn),
)
async def post_batch(
    request: Request,
    gateway: GatewayDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> BatchResultOut:
    raw = await request.body()
    batch = parse_body(BatchIn, raw)
    settings = state.settings
    if len(batch.readings) > settings.max_readings_per_batch:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"readings: {len(batch.readings)} readings exceed the limit of "
            f"{settings.max_readings_per_batch} per batch; split the batch",
            headers={ERROR_CODE_HEADER: "too_many_readings"},
        )
    window = upload_window(settings)
    body_sha = hashlib.sha256(raw).digest()
    with upload_refusals_as_http():
        # The only connection this request holds, taken after the body has arrived.
        async with connection(state) as conn:
            outcome = await ingest_batch(
                conn,
                gateway=gateway,
                batch=batch,
                idempotency_key=idempotency_key,
                body_sha256=body_sha,
                window=window,
                app_rollup=state.backend.app_rollup,
            )
    return BatchResultOut(
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        rejected=[
            RejectionOut(index=r.index, field=r.field, reason=r.reason) for r in outcome.rejected
        ],
    )


@router.post(
    "/heartbeat",
    response_model=OkOut,
    responses=documented(401, 403, 408, 413, 422, 429, 503),
    summary="Record a gateway heartbeat",
    openapi_extra=request_body(HeartbeatIn),
)
async def post_heartbeat(request: Request, gateway: GatewayDep, state: StateDep) -> OkOut:
    heartbeat = parse_body(HeartbeatIn, await request.body())
    if heartbeat.gateway_id != str(gateway.gateway_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "gateway_id does not match this gateway's credential"
        )
    named = sorted({d.device_id for d in heartbeat.devices})
    async with connection(state) as conn:
        bound = await bound_devices(conn, gateway.gateway_id, named)
        foreign = [str(d) for d in named if d not in bound]
        if foreign:
            await conn.rollback()
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"devices {foreign} are not bound to a consented participant of this "
                "gateway; stop reporting them (or bind them: wearmon enroll device)",
            )
        if not await record_heartbeat(conn, gateway.gateway_id, heartbeat.model_dump(mode="json")):
            await conn.rollback()
            raise unauthorized_revoked()
        await conn.commit()
    return OkOut()
