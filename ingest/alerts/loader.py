"""Loading a participant's window for the rules: readings, devices, gateway, thresholds."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import psycopg

from analytics.glycemic import uncensor
from analytics.rules import CheckinRecord, DeviceStatus, ParticipantWindow, Thresholds
from ingest.flags import FLAG_BITS

#: Look-backs before ``now`` (analytics.rules: >= 75 min of heart data for the 1-h
#: af_burden plus margin; >= 2 h 15 min of CGM for hyper_prolonged plus its episode end).
HEART_LOOKBACK: Final = dt.timedelta(minutes=75)
GLUCOSE_LOOKBACK: Final = dt.timedelta(minutes=135)

_LOW: Final = FLAG_BITS["censored_low"]
_HIGH: Final = FLAG_BITS["censored_high"]

_SERIES: Final = """
    SELECT extract(epoch FROM measured_at)::float8, value, flags FROM readings
    WHERE participant_id = %s AND metric = %s AND measured_at >= %s AND measured_at <= %s
    ORDER BY measured_at
"""

# Devices with their newest stored reading and battery level; the gateway serving the
# participant with its heartbeat (which lists what it sees over BLE). A device that has
# sent nothing yet counts as last seen when it was bound, and a gateway that has not
# sent a heartbeat yet as last heard when it was enrolled: silence starts then, so a
# participant enrolled a minute ago is not reported stale or offline.
_DEVICES: Final = """
    SELECT d.participant_id, d.device_id, d.kind,
           extract(epoch FROM coalesce(
               (SELECT max(r.measured_at) FROM readings r
                 WHERE r.device_id = d.device_id
                   AND r.metric = ANY(CASE d.kind WHEN 'cgm' THEN ARRAY['glucose']
                                      ELSE ARRAY['heart_rate', 'rr_interval'] END)),
               d.bound_at))::float8,
           b.value, extract(epoch FROM b.measured_at)::float8
    FROM devices d
    LEFT JOIN LATERAL (
        SELECT value, measured_at FROM readings r
        WHERE r.device_id = d.device_id AND r.metric = 'battery'
        ORDER BY measured_at DESC LIMIT 1
    ) b ON true
    WHERE d.participant_id = ANY(%s) AND d.unbound_at IS NULL
    ORDER BY d.participant_id, d.device_id
"""
_GATEWAYS: Final = """
    SELECT DISTINCT ON (gp.participant_id) gp.participant_id, g.gateway_id,
           extract(epoch FROM coalesce(g.last_heartbeat_at, g.created_at))::float8,
           g.last_heartbeat
    FROM gateway_participants gp JOIN gateways g USING (gateway_id)
    WHERE gp.participant_id = ANY(%s) AND g.revoked_at IS NULL
    ORDER BY gp.participant_id, g.last_heartbeat_at DESC NULLS LAST
"""
_THRESHOLDS: Final = """
    SELECT rule_id, version, params FROM participant_thresholds
    WHERE participant_id = %s AND superseded_at IS NULL ORDER BY set_at, rule_id
"""

Conn = psycopg.Connection[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Context:
    """Devices and gateway of one participant (what the technical rules need)."""

    devices: tuple[DeviceStatus, ...] = ()
    gateway_id: str | None = None
    gateway_heartbeat_s: float | None = None


def _epoch(value: object) -> float | None:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


def _sightings(heartbeat: object) -> dict[str, tuple[float | None, float | None]]:
    """Device id -> (last BLE sighting, battery %) from a gateway heartbeat body."""
    out: dict[str, tuple[float | None, float | None]] = {}
    devices = heartbeat.get("devices") if isinstance(heartbeat, dict) else None
    for d in devices if isinstance(devices, list) else []:
        if isinstance(d, dict) and isinstance(d.get("device_id"), str):
            battery = d.get("battery_percent")
            pct = float(battery) if isinstance(battery, int | float) else None
            out[d["device_id"]] = (_epoch(d.get("last_seen_at")), pct)
    return out


def load_contexts(conn: Conn, participants: Sequence[uuid.UUID]) -> dict[uuid.UUID, Context]:
    """Devices (newest reading, battery, BLE sighting) and gateway of each participant."""
    gateways = {
        uuid.UUID(str(p)): (str(g), hb_s, hb)
        for p, g, hb_s, hb in conn.execute(_GATEWAYS, (list(participants),)).fetchall()
    }
    devices: dict[uuid.UUID, list[DeviceStatus]] = {p: [] for p in participants}
    for pid, did, kind, last_s, battery, battery_s in conn.execute(
        _DEVICES, (list(participants),)
    ).fetchall():
        participant = uuid.UUID(str(pid))
        seen = _sightings(gateways.get(participant, (None, None, None))[2])
        ble_s, hb_battery = seen.get(str(did), (None, None))
        pct = battery if battery is not None else hb_battery
        devices[participant].append(
            DeviceStatus(
                str(did),
                str(kind),  # type: ignore[arg-type]
                last_s,
                ble_s,
                None if pct is None else float(pct),
                battery_s if battery is not None else None,
            )
        )
    out = {}
    for p in participants:
        gid, hb_s, _ = gateways.get(p, (None, None, None))
        out[p] = Context(tuple(devices.get(p, ())), gid, hb_s)
    return out


def _series(
    conn: Conn, pid: uuid.UUID, metric: str, start: dt.datetime, now: dt.datetime
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = conn.execute(_SERIES, (pid, metric, start, now)).fetchall()
    if not rows:
        empty = np.empty(0)
        return empty, empty, np.empty(0, dtype=np.int64)
    t, v, f = zip(*rows, strict=True)
    values = np.array([np.nan if x is None else x for x in v], dtype=np.float64)
    return np.array(t, dtype=np.float64), values, np.array(f, dtype=np.int64)


def load_window(
    conn: Conn,
    pid: uuid.UUID,
    now: dt.datetime,
    *,
    glucose: bool,
    heart: bool,
    context: Context,
    since: dt.datetime | None = None,
) -> ParticipantWindow:
    """The participant's window up to ``now`` for the rule groups asked for.

    Glucose readings flagged sensor LOW/HIGH (stored without a value) enter as 39 / 401
    mg/dL (:func:`analytics.glycemic.uncensor`); other readings without a value are
    dropped. Heart-rate samples flagged ``no_contact`` are dropped (no skin contact: not
    a measurement). ``since`` replaces the look-backs (a dry-run replays days).
    """
    glucose_from = since or now - GLUCOSE_LOOKBACK
    heart_from = since or now - HEART_LOOKBACK
    start = min(glucose_from if glucose else heart_from, heart_from)
    kwargs: dict[str, Any] = {}
    if glucose:
        t, v, f = _series(conn, pid, "glucose", glucose_from, now)
        g = uncensor(v, (f & _LOW) != 0, (f & _HIGH) != 0)
        keep = np.isfinite(g) & (g > 0)
        kwargs.update(cgm_times_s=t[keep], cgm_mg_dl=g[keep])
    if heart:
        no_contact = FLAG_BITS["no_contact"]
        t, v, f = _series(conn, pid, "heart_rate", heart_from, now)
        keep = np.isfinite(v) & ((f & no_contact) == 0)
        kwargs.update(hr_times_s=t[keep], hr_bpm=v[keep])
        t, v, f = _series(conn, pid, "rr_interval", heart_from, now)
        keep = np.isfinite(v) & (v > 0)
        kwargs.update(rr_times_s=t[keep], rr_ms=v[keep])
    return ParticipantWindow(
        start_s=start.timestamp(),
        devices=context.devices,
        gateway_id=context.gateway_id,
        gateway_heartbeat_s=context.gateway_heartbeat_s,
        **kwargs,
    )


def load_thresholds(conn: Conn, pid: uuid.UUID) -> Thresholds:
    """The participant's current thresholds: pilot defaults with the clinician's overrides."""
    rows = conn.execute(_THRESHOLDS, (pid,)).fetchall()
    return Thresholds().with_overrides((str(r), str(v), dict(p)) for r, v, p in rows)


#: Check-ins the wellbeing rules see per participant: the newest ones (a run of positive
#: weekly screens longer than this still starts inside it; checkin_missed needs one).
CHECKIN_LOOKBACK_ROWS: Final = 26
_CHECKINS: Final = """
    SELECT p.participant_id, c.completed_s, c.instrument, c.score, c.positive, c.risk
    FROM unnest(%s::uuid[]) AS p(participant_id)
    CROSS JOIN LATERAL (
        SELECT extract(epoch FROM completed_at)::float8 AS completed_s, instrument, score,
               positive, risk
        FROM checkins WHERE checkins.participant_id = p.participant_id
        ORDER BY completed_at DESC LIMIT %s
    ) c
"""


def load_checkins(
    conn: Conn, participants: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[CheckinRecord, ...]]:
    """Each participant's newest check-ins, oldest first (empty tuple if none)."""
    out: dict[uuid.UUID, list[CheckinRecord]] = {p: [] for p in participants}
    rows = conn.execute(_CHECKINS, (list(participants), CHECKIN_LOOKBACK_ROWS)).fetchall()
    for pid, completed_s, instrument, score, positive, risk in rows:
        out[uuid.UUID(str(pid))].append(
            CheckinRecord(
                float(str(completed_s)),
                str(instrument),
                None if score is None else int(str(score)),
                None if positive is None else bool(positive),
                bool(risk),
            )
        )
    return {p: tuple(sorted(v, key=lambda c: c.completed_s)) for p, v in out.items()}
