"""Ingesting one gateway batch: authorise, validate each reading, store exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from ingest.errors import IngestError
from ingest.flags import encode_flags
from ingest.storage.gateways import Claim, GatewayIdentity, bound_devices, claim_batch
from ingest.storage.readings import StagedRow, store_readings
from ingest.validation import Rejection, TimeWindow, ValidReading, check_reading

log = logging.getLogger(__name__)

# Two uploaders whose batches overlap can still deadlock in rare lock orders inside
# PostgreSQL (unique-index waits plus rollup row locks); the transaction is simply retried.
_RETRIES = 5


class Forbidden(IngestError):
    """The gateway may not write what it sent (403)."""


class IdempotencyConflict(IngestError):
    """An Idempotency-Key was reused with a different body (422)."""


@dataclass(frozen=True, slots=True)
class ReadingInput:
    """One reading as the schema parsed it (structurally valid, not yet judged)."""

    device_id: str
    metric: str
    measured_at: dt.datetime
    value: float | None
    unit: str
    flags: list[str]


@dataclass(frozen=True, slots=True)
class BatchInput:
    """A batch as the schema parsed it."""

    gateway_id: str
    sequence: int
    sent_at: dt.datetime
    readings: Sequence[ReadingInput]


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What happened to each reading of a batch."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]


def judge(
    readings: Sequence[ReadingInput], window: TimeWindow
) -> tuple[list[tuple[int, ValidReading]], list[Rejection]]:
    """Split readings into valid ones (with their index) and rejections (pure)."""
    valid: list[tuple[int, ValidReading]] = []
    rejected: list[Rejection] = []
    for i, r in enumerate(readings):
        verdict = check_reading(
            i,
            device_id=r.device_id,
            metric=r.metric,
            measured_at=r.measured_at,
            value=r.value,
            unit=r.unit,
            flags=r.flags,
            window=window,
        )
        if isinstance(verdict, Rejection):
            rejected.append(verdict)
        else:
            valid.append((i, verdict))
    return valid, rejected


async def ingest_batch(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    *,
    gateway: GatewayIdentity,
    batch: BatchInput,
    idempotency_key: str,
    body_sha256: bytes,
    window: TimeWindow,
    app_rollup: bool,
) -> BatchOutcome:
    """Store a batch; raise Forbidden or IdempotencyConflict (nothing stored then)."""
    if batch.gateway_id != str(gateway.gateway_id):
        raise Forbidden(f"gateway_id {batch.gateway_id!r} does not match this gateway's credential")
    valid, rejected = judge(batch.readings, window)
    for attempt in range(1, _RETRIES + 1):
        try:
            async with conn.transaction():
                inserted, stored = await _store(
                    conn, gateway, batch, valid, idempotency_key, body_sha256, app_rollup
                )
            return BatchOutcome(inserted, stored - inserted, rejected)
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
            if attempt == _RETRIES:
                raise
            log.info("batch %s hit a lock conflict; retrying (%d)", idempotency_key, attempt)
    raise AssertionError("unreachable")


async def _store(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    gateway: GatewayIdentity,
    batch: BatchInput,
    valid: list[tuple[int, ValidReading]],
    idempotency_key: str,
    body_sha256: bytes,
    app_rollup: bool,
) -> tuple[int, int]:
    """Inside one transaction: authorise devices, claim the key, store; (new, stored)."""
    owners = await bound_devices(conn, gateway.gateway_id, sorted({v.device_id for _, v in valid}))
    unbound = sorted({str(v.device_id) for _, v in valid if v.device_id not in owners})
    if unbound:
        raise Forbidden(
            f"devices {unbound} are not bound to a consented participant of this "
            "gateway; enrol or bind them first (wearmon enroll device)"
        )
    claim = await claim_batch(
        conn,
        gateway_id=gateway.gateway_id,
        idempotency_key=idempotency_key,
        body_sha256=body_sha256,
        sequence=batch.sequence,
        sent_at=batch.sent_at,
    )
    if claim is Claim.CONFLICT:
        raise IdempotencyConflict(
            f"Idempotency-Key {idempotency_key!r} was already used for a different batch; "
            "use a new key for new content"
        )
    rows: list[StagedRow] = [
        (
            v.device_id,
            v.metric,
            v.measured_at,
            owners[v.device_id],
            v.value,
            v.unit,
            encode_flags(v.flags),
        )
        for _, v in valid
    ]
    return await store_readings(conn, rows, app_rollup=app_rollup), len(rows)
