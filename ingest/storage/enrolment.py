"""Enrolment of participants, devices and gateways (admin operations, audited)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from ingest.errors import IngestError
from ingest.storage.audit import AuditEntry, write_audit
from ingest.storage.gateways import token_digest

# docs/privacy.md "Authentication": one 256-bit random token per gateway.
_TOKEN_BYTES = 32


class EnrolmentError(IngestError):
    """An enrolment request names something that does not exist or conflicts."""


@dataclass(frozen=True, slots=True)
class ParticipantIdentity:
    """Identifying fields; stored apart from the pseudonymous participant record."""

    full_name: str
    birth_year: int
    sex: str
    district: str
    phone: str | None = None
    # The name the participant chose to be greeted by at their check-ins (1-50 chars).
    preferred_name: str | None = None


def enrol_participant(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    study_id: str,
    identity: ParticipantIdentity,
    time_zone: str,
    actor: str,
) -> uuid.UUID:
    """Create the study if new, the participant and their identity; return the id."""
    participant_id = uuid.uuid4()
    with conn.transaction():
        conn.execute(
            "INSERT INTO studies (study_id) VALUES (%s) ON CONFLICT DO NOTHING", (study_id,)
        )
        conn.execute(
            "INSERT INTO participants (participant_id, study_id, time_zone) VALUES (%s, %s, %s)",
            (participant_id, study_id, time_zone),
        )
        conn.execute(
            "INSERT INTO participant_identity (participant_id, full_name, phone, birth_year,"
            " sex, district, preferred_name) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                participant_id,
                identity.full_name,
                identity.phone,
                identity.birth_year,
                identity.sex,
                identity.district,
                identity.preferred_name,
            ),
        )
        write_audit(
            conn,
            AuditEntry(
                actor,
                "admin",
                "enroll",
                "participant",
                "success",
                subjects=[participant_id],
                details={"study": study_id},
            ),
        )
    return participant_id


def enrol_device(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    participant_id: uuid.UUID,
    kind: str,
    address: str | None,
    model: str | None,
    serial: str | None,
    actor: str,
) -> uuid.UUID:
    """Bind a new device to an enrolled participant; return the device id."""
    device_id = uuid.uuid4()
    with conn.transaction():
        _require_participant(conn, participant_id)
        conn.execute(
            "INSERT INTO devices (device_id, participant_id, kind, ble_address, model, serial)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (device_id, participant_id, kind, address, model, serial),
        )
        write_audit(
            conn,
            AuditEntry(
                actor,
                "admin",
                "enroll",
                "device",
                "success",
                subjects=[participant_id],
                details={"device_id": str(device_id), "kind": kind},
            ),
        )
    return device_id


def enrol_gateway(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    participant_ids: Sequence[uuid.UUID],
    actor: str,
) -> tuple[uuid.UUID, str]:
    """Create a gateway bound to participants; return its id and its token (shown once)."""
    gateway_id = uuid.uuid4()
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    with conn.transaction():
        for pid in participant_ids:
            _require_participant(conn, pid)
        conn.execute(
            "INSERT INTO gateways (gateway_id, token_sha256) VALUES (%s, %s)",
            (gateway_id, token_digest(token)),
        )
        for pid in participant_ids:
            conn.execute(
                "INSERT INTO gateway_participants (gateway_id, participant_id) VALUES (%s, %s)",
                (gateway_id, pid),
            )
        write_audit(
            conn,
            AuditEntry(
                actor,
                "admin",
                "enroll",
                "gateway",
                "success",
                subjects=list(participant_ids),
                details={"gateway_id": str(gateway_id)},
            ),
        )
    return gateway_id, token


def withdraw_participant(
    conn: psycopg.Connection[tuple[object, ...]], *, participant_id: uuid.UUID, actor: str
) -> tuple[dt.datetime, bool]:
    """Record a consent withdrawal; return when it took effect and whether it is new.

    From then on ingestion refuses the participant's readings (their devices are no
    longer authorised for any gateway) and no later research export includes them.
    Withdrawing twice is not an error: the first time stands.
    """
    with conn.transaction():
        row = conn.execute(
            "UPDATE participants SET consent_status = 'withdrawn', withdrawn_at = now()"
            " WHERE participant_id = %s AND consent_status = 'consented' RETURNING withdrawn_at",
            (participant_id,),
        ).fetchone()
        if row is None:
            old = conn.execute(
                "SELECT withdrawn_at FROM participants WHERE participant_id = %s",
                (participant_id,),
            ).fetchone()
            if old is None:
                raise EnrolmentError(
                    f"participant {participant_id} is not enrolled; check the id "
                    "(as printed by wearmon enroll participant)"
                )
            assert isinstance(old[0], dt.datetime)
            return old[0], False
        write_audit(
            conn,
            AuditEntry(
                actor, "admin", "withdraw", "participant", "success", subjects=[participant_id]
            ),
        )
    assert isinstance(row[0], dt.datetime)
    return row[0], True


def _require_participant(conn: psycopg.Connection[tuple[object, ...]], pid: uuid.UUID) -> None:
    row = conn.execute(
        "SELECT consent_status FROM participants WHERE participant_id = %s", (pid,)
    ).fetchone()
    if row is None:
        raise EnrolmentError(
            f"participant {pid} is not enrolled; enrol them first (wearmon enroll participant)"
        )
    if row[0] != "consented":
        raise EnrolmentError(f"participant {pid} has withdrawn consent; nothing can be bound")


@dataclass(frozen=True, slots=True)
class BoundDevice:
    """A device as a gateway's configuration lists it."""

    device_id: uuid.UUID
    kind: str
    ble_address: str | None


def preferred_names(
    conn: psycopg.Connection[tuple[object, ...]], participant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """The name each participant chose to be greeted by (None if not given)."""
    rows = conn.execute(
        "SELECT participant_id, preferred_name FROM participant_identity"
        " WHERE participant_id = ANY(%s)",
        (list(participant_ids),),
    ).fetchall()
    named = {uuid.UUID(str(p)): None if n is None else str(n) for p, n in rows}
    return {p: named.get(p) for p in participant_ids}


def devices_of(
    conn: psycopg.Connection[tuple[object, ...]], participant_ids: Sequence[uuid.UUID]
) -> list[BoundDevice]:
    """The bound devices of these participants, for writing a gateway's configuration."""
    rows = conn.execute(
        "SELECT device_id, kind, ble_address FROM devices WHERE participant_id = ANY(%s)"
        " AND unbound_at IS NULL ORDER BY bound_at",
        (list(participant_ids),),
    ).fetchall()
    return [
        BoundDevice(uuid.UUID(str(d)), str(k), None if a is None else str(a)) for d, k, a in rows
    ]
