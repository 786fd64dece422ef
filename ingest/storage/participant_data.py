"""One participant's stored data for the clinical page (API side, read-only)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import psycopg

from ingest.flags import FLAG_BITS

AsyncConn = psycopg.AsyncConnection[tuple[object, ...]]

_CENSORED_LOW = FLAG_BITS["censored_low"]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the participant is (for the care team only)."""

    full_name: str
    birth_year: int
    sex: str
    district: str
    phone: str | None
    study_id: str
    time_zone: str
    consent_status: str
    enrolled_at: dt.datetime


async def identity(conn: AsyncConn, participant_id: uuid.UUID) -> Identity | None:
    cur = await conn.execute(
        "SELECT i.full_name, i.birth_year, i.sex, i.district, i.phone, p.study_id,"
        " p.time_zone, p.consent_status, p.enrolled_at"
        " FROM participants p JOIN participant_identity i USING (participant_id)"
        " WHERE p.participant_id = %s",
        (participant_id,),
    )
    r = await cur.fetchone()
    if r is None:
        return None
    enrolled = r[8]
    assert isinstance(enrolled, dt.datetime)
    return Identity(
        str(r[0]),
        int(str(r[1])),
        str(r[2]),
        str(r[3]),
        None if r[4] is None else str(r[4]),
        str(r[5]),
        str(r[6]),
        str(r[7]),
        enrolled,
    )


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """A bound wearable with its newest reading and battery level."""

    device_id: uuid.UUID
    kind: str
    model: str | None
    serial: str | None
    ble_address: str | None
    last_seen: dt.datetime | None
    battery_pct: float | None
    battery_at: dt.datetime | None


async def devices(conn: AsyncConn, participant_id: uuid.UUID) -> list[DeviceRow]:
    """Bound devices; newest reading and battery by primary-key probes per device."""
    cur = await conn.execute(
        "SELECT d.device_id, d.kind, d.model, d.serial, d.ble_address, seen.at, bat.value,"
        " bat.measured_at FROM devices d"
        " LEFT JOIN LATERAL (SELECT max(r.measured_at) AS at FROM readings r"
        "   WHERE r.device_id = d.device_id"
        "   AND r.metric IN ('heart_rate', 'rr_interval', 'glucose')) seen ON true"
        " LEFT JOIN LATERAL (SELECT r.value, r.measured_at FROM readings r"
        "   WHERE r.device_id = d.device_id AND r.metric = 'battery'"
        "   ORDER BY r.measured_at DESC LIMIT 1) bat ON true"
        " WHERE d.participant_id = %s AND d.unbound_at IS NULL ORDER BY d.kind, d.bound_at",
        (participant_id,),
    )
    return [
        DeviceRow(
            uuid.UUID(str(r[0])),
            str(r[1]),
            _opt_str(r[2]),
            _opt_str(r[3]),
            _opt_str(r[4]),
            _opt_ts(r[5]),
            None if r[6] is None else float(str(r[6])),
            _opt_ts(r[7]),
        )
        for r in await cur.fetchall()
    ]


@dataclass(frozen=True, slots=True)
class GatewayRow:
    """The participant's home gateway and its newest heartbeat."""

    gateway_id: uuid.UUID
    last_heartbeat_at: dt.datetime | None
    device_seen: dict[str, dt.datetime]  # device id -> newest BLE sighting it reported


async def gateway(conn: AsyncConn, participant_id: uuid.UUID) -> GatewayRow | None:
    cur = await conn.execute(
        "SELECT g.gateway_id, g.last_heartbeat_at, g.last_heartbeat FROM gateways g"
        " JOIN gateway_participants gp USING (gateway_id)"
        " WHERE gp.participant_id = %s AND g.revoked_at IS NULL"
        " ORDER BY g.last_heartbeat_at DESC NULLS LAST LIMIT 1",
        (participant_id,),
    )
    r = await cur.fetchone()
    if r is None:
        return None
    beat = r[2] if isinstance(r[2], dict) else {}
    seen: dict[str, dt.datetime] = {}
    for d in beat.get("devices", []):
        if isinstance(d, dict) and d.get("last_seen_at"):
            seen[str(d.get("device_id"))] = dt.datetime.fromisoformat(str(d["last_seen_at"]))
    return GatewayRow(uuid.UUID(str(r[0])), _opt_ts(r[1]), seen)


@dataclass(frozen=True, slots=True)
class Bucket:
    """One 5-minute bucket of a stream."""

    bucket: dt.datetime
    n: int
    mean: float | None
    min: float | None
    max: float | None


async def trend(
    conn: AsyncConn,
    participant_id: uuid.UUID,
    metric: str,
    start: dt.datetime,
    end: dt.datetime,
) -> list[Bucket]:
    """5-minute buckets of ``metric`` from the rollup (primary-key range scan)."""
    cur = await conn.execute(
        "SELECT bucket, n, total / nullif(n, 0), min_value, max_value FROM readings_5m"
        " WHERE participant_id = %s AND metric = %s AND bucket >= %s AND bucket < %s"
        " ORDER BY bucket",
        (participant_id, metric, start, end),
    )
    return [
        Bucket(
            _ts(r[0]),
            int(str(r[1])),
            *(None if v is None else float(str(v)) for v in r[2:5]),
        )
        for r in await cur.fetchall()
    ]


@dataclass(frozen=True, slots=True)
class Series:
    """Raw readings of one stream: times, values (None when censored), censored-low marks."""

    times: list[dt.datetime]
    values: list[float | None]
    censored_low: list[bool]
    flags: list[int]


async def series(
    conn: AsyncConn,
    participant_id: uuid.UUID,
    metric: str,
    start: dt.datetime,
    end: dt.datetime,
    limit: int,
) -> Series:
    """Readings in ``[start, end)`` by time (the covering index), at most ``limit``."""
    cur = await conn.execute(
        "SELECT measured_at, value, flags FROM readings"
        " WHERE participant_id = %s AND metric = %s AND measured_at >= %s AND measured_at < %s"
        " ORDER BY measured_at LIMIT %s",
        (participant_id, metric, start, end, limit),
    )
    out = Series([], [], [], [])
    for t, v, f in await cur.fetchall():
        flags = int(str(f))
        out.times.append(_ts(t))
        out.values.append(None if v is None else float(str(v)))
        out.censored_low.append(bool(flags & _CENSORED_LOW))
        out.flags.append(flags)
    return out


async def open_alerts(conn: AsyncConn, participant_id: uuid.UUID) -> list[dict[str, object]]:
    """Unresolved alerts, most severe and newest first."""
    cur = await conn.execute(
        "SELECT alert_id, rule_id, rule_version, kind, priority, state, retrospective,"
        " first_seen, last_seen, occurrence_count, worst_value, unit, summary"
        " FROM alerts WHERE participant_id = %s AND state <> 'RESOLVED'"
        " ORDER BY CASE priority WHEN 'HIGH' THEN 0 WHEN 'MEDIUM' THEN 1 ELSE 2 END,"
        " last_seen DESC",
        (participant_id,),
    )
    names = [c.name for c in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in await cur.fetchall()]


def _ts(value: object) -> dt.datetime:
    assert isinstance(value, dt.datetime)
    return value


def _opt_ts(value: object) -> dt.datetime | None:
    return None if value is None else _ts(value)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
