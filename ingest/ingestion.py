"""Ingesting one gateway batch: authorise, validate each reading, store exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from ingest.alerts.queue import enqueue, pending_bits
from ingest.errors import IngestError
from ingest.storage.gateways import (
    Claim,
    GatewayIdentity,
    bound_devices,
    claim_batch,
    gateway_active,
)
from ingest.storage.readings import StagedRow, store_readings
from ingest.validation import AcceptedReading, Rejection, TimeWindow, judge_all, split_by_kind

log = logging.getLogger(__name__)

# Two uploaders whose batches overlap can still deadlock in rare lock orders inside
# PostgreSQL (unique-index waits plus rollup row locks); the transaction is simply retried.
_RETRIES = 5


class Forbidden(IngestError):
    """The gateway may not write what it sent (403)."""


class Revoked(IngestError):
    """The gateway's credential was revoked after it was cached (401)."""


class IdempotencyConflict(IngestError):
    """An Idempotency-Key was reused with a different body (422)."""


class BatchLike(Protocol):
    """A batch as the API schema parsed it (structurally valid, readings not yet judged)."""

    @property
    def gateway_id(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def sent_at(self) -> dt.datetime: ...
    @property
    def readings(self) -> Sequence[Mapping[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What happened to each reading of a batch."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]


async def ingest_batch(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    *,
    gateway: GatewayIdentity,
    batch: BatchLike,
    idempotency_key: str,
    body_sha256: bytes,
    window: TimeWindow,
    app_rollup: bool,
) -> BatchOutcome:
    """Store a batch; raise Forbidden or IdempotencyConflict (nothing stored then)."""
    if batch.gateway_id != str(gateway.gateway_id):
        raise Forbidden(f"gateway_id {batch.gateway_id!a} does not match this gateway's credential")
    valid, rejected = judge_all(batch.readings, window)
    for attempt in range(1, _RETRIES + 1):
        try:
            async with conn.transaction():
                inserted, stored, wrong_kind = await _store(
                    conn, gateway, batch, valid, idempotency_key, body_sha256, app_rollup
                )
            refused = sorted([*rejected, *wrong_kind], key=lambda r: r.index)
            return BatchOutcome(inserted, stored - inserted, refused)
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
            if attempt == _RETRIES:
                raise
            log.info("batch %s hit a lock conflict; retrying (%d)", idempotency_key, attempt)
    raise AssertionError("unreachable")


async def _store(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    gateway: GatewayIdentity,
    batch: BatchLike,
    valid: list[AcceptedReading],
    idempotency_key: str,
    body_sha256: bytes,
    app_rollup: bool,
) -> tuple[int, int, list[Rejection]]:
    """Inside one transaction: authorise devices, claim the key, store; (new, stored,
    readings refused because their device does not measure that metric)."""
    # The credential may come from the API's cache: revocation is re-checked here, in the
    # writing transaction, so it takes effect at once whatever the cache holds.
    if not await gateway_active(conn, gateway.gateway_id):
        raise Revoked(f"gateway {gateway.gateway_id} was revoked")
    wanted = {row[0] for row in valid}
    owners = await bound_devices(conn, gateway.gateway_id, sorted(wanted))
    unbound = sorted(str(d) for d in wanted - owners.keys())
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
            f"Idempotency-Key {idempotency_key!a} was already used for a different batch; "
            "use a new key for new content"
        )
    kept, wrong_kind = split_by_kind(valid, {d: o.kind for d, o in owners.items()})
    rows: list[StagedRow] = [
        (device, metric, at, owners[device].participant_id, value, unit, flags)
        for device, metric, at, value, unit, flags, _ in kept
    ]
    inserted = await store_readings(conn, rows, app_rollup=app_rollup)
    if inserted:
        # Wake the alert worker: one upsert + NOTIFY, delivered when this batch commits.
        await enqueue(conn, pending_bits((row[3], row[1]) for row in rows))
    return inserted, len(rows), wrong_kind
