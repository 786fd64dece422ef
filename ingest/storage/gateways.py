"""Gateways: credential lookup, device authorisation, idempotency claims, heartbeats."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb


def token_digest(token: str) -> bytes:
    """SHA-256 of a gateway token: what the database stores and looks up."""
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class GatewayIdentity:
    """The gateway a valid token belongs to."""

    gateway_id: uuid.UUID


async def find_gateway(
    conn: psycopg.AsyncConnection[tuple[object, ...]], token: str
) -> GatewayIdentity | None:
    """The active gateway holding ``token``, or None (unknown or revoked)."""
    cur = await conn.execute(
        "SELECT gateway_id FROM gateways WHERE token_sha256 = %s AND revoked_at IS NULL",
        (token_digest(token),),
    )
    row = await cur.fetchone()
    return GatewayIdentity(uuid.UUID(str(row[0]))) if row else None


@dataclass(frozen=True, slots=True)
class DeviceOwner:
    """Whose a bound device is, and what kind it is (``hr`` or ``cgm``)."""

    participant_id: uuid.UUID
    kind: str


async def bound_devices(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    gateway_id: uuid.UUID,
    device_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, DeviceOwner]:
    """Device id -> owner and kind, for the given devices this gateway may write for."""
    cur = await conn.execute(
        "SELECT d.device_id, d.participant_id, d.kind FROM devices d"
        " JOIN gateway_participants gp ON gp.participant_id = d.participant_id"
        " JOIN participants p ON p.participant_id = d.participant_id"
        " WHERE gp.gateway_id = %s AND d.device_id = ANY(%s) AND d.unbound_at IS NULL"
        " AND p.consent_status = 'consented'",
        (gateway_id, list(device_ids)),
    )
    return {
        uuid.UUID(str(d)): DeviceOwner(uuid.UUID(str(p)), str(k))
        for d, p, k in await cur.fetchall()
    }


class Claim(enum.Enum):
    """Outcome of claiming an Idempotency-Key."""

    NEW = "new"
    REPLAY = "replay"  # same key, same body: process again, it stores nothing new
    CONFLICT = "conflict"  # same key, different body: refused


async def claim_batch(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    *,
    gateway_id: uuid.UUID,
    idempotency_key: str,
    body_sha256: bytes,
    sequence: int,
    sent_at: dt.datetime,
) -> Claim:
    """Record the batch key inside the caller's transaction (it rolls back with the batch)."""
    cur = await conn.execute(
        "INSERT INTO ingest_batches (gateway_id, idempotency_key, body_sha256, sequence, sent_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
        (gateway_id, idempotency_key, body_sha256, sequence, sent_at),
    )
    if await cur.fetchone():
        return Claim.NEW
    cur = await conn.execute(
        "SELECT body_sha256 FROM ingest_batches WHERE gateway_id = %s AND idempotency_key = %s",
        (gateway_id, idempotency_key),
    )
    row = await cur.fetchone()
    stored = row[0] if row else None
    return Claim.REPLAY if isinstance(stored, bytes) and stored == body_sha256 else Claim.CONFLICT


async def record_heartbeat(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    gateway_id: uuid.UUID,
    heartbeat: dict[str, object],
) -> bool:
    """Keep the gateway's latest heartbeat (what it sees, battery, RSSI, outbox depth);
    False (nothing written) if the gateway has been revoked."""
    cur = await conn.execute(
        "UPDATE gateways SET last_heartbeat_at = now(), last_heartbeat = %s"
        " WHERE gateway_id = %s AND revoked_at IS NULL",
        (Jsonb(heartbeat), gateway_id),
    )
    return cur.rowcount == 1


async def gateway_active(
    conn: psycopg.AsyncConnection[tuple[object, ...]], gateway_id: uuid.UUID
) -> bool:
    """Whether the gateway is still enrolled (not revoked); its row is share-locked until
    the transaction ends, so a revocation waits for a batch being stored and vice versa."""
    cur = await conn.execute(
        "SELECT 1 FROM gateways WHERE gateway_id = %s AND revoked_at IS NULL FOR SHARE",
        (gateway_id,),
    )
    return await cur.fetchone() is not None
