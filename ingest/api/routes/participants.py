"""One participant's page and raw reading windows (clinicians of their care team)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, status

from analytics.clinical_constants import REPORT_PERIOD_DAYS
from ingest.api.auth_deps import ClinicianDep, ensure_participant_in_scope
from ingest.api.deps import ConnDep, StateDep
from ingest.api.schemas_clinical import (
    BucketOut,
    CheckinOut,
    DeviceOut,
    IdentityOut,
    ParticipantOut,
    ReadingOut,
    ReadingsOut,
)
from ingest.clinical.report import (
    DeviceState,
    gateway_status,
    glucose_summary,
    heart_summary,
)
from ingest.flags import decode_flags
from ingest.storage import participant_data as data
from ingest.storage.audit import write_audit_async
from ingest.storage.checkins import checkin_history, mark_checkins_seen

router = APIRouter(prefix="/participants", tags=["clinical"])

Metric = Literal["heart_rate", "rr_interval", "glucose", "battery"]

# Bounds of one raw window: a day of 1 Hz heart rate is 86,400 rows; more than that in
# one response is a bulk export, not a clinical read.
MAX_WINDOW = dt.timedelta(hours=24)
MAX_ROWS = 100_000
# The page's trends cover at most the 14 days of the CGM report.
MAX_TREND_HOURS = 24 * REPORT_PERIOD_DAYS
# RR intervals loaded for HRV and AF burden: the last 24 h at most (about 100,000 beats,
# ~1 s of reading and AF detection on a loaded 2-core server); a page that shows a
# shorter window asks for it (``heart_hours``) and pays proportionally less.
MAX_HEART_HOURS = 24
_HEART_ROWS = 200_000
_BUCKETS_PER_HOUR = 12


@router.get(
    "/{participant_id}",
    response_model=ParticipantOut,
    responses={401: {}, 403: {}, 404: {}},
    summary="Identity, devices, data path, trends, HRV, AF burden, CGM metrics and AGP, alerts",
)
async def get_participant(
    participant_id: uuid.UUID,
    account: ClinicianDep,
    state: StateDep,
    conn: ConnDep,
    hours: Annotated[int, Query(ge=1, le=MAX_TREND_HOURS, description="trend window")] = 24,
    heart_hours: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_HEART_HOURS,
            description="newest hours of RR intervals behind the HRV and AF summary",
        ),
    ] = MAX_HEART_HOURS,
) -> ParticipantOut:
    await ensure_participant_in_scope(conn, account, participant_id, action="read")
    now = state.clock()
    who = await data.identity(conn, participant_id)
    if who is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"participant {participant_id} not found")
    start = now - dt.timedelta(hours=hours)
    devices = await data.devices(conn, participant_id)
    home = await data.gateway(conn, participant_id)
    hr = await data.trend(conn, participant_id, "heart_rate", start, now)
    rr = await data.trend(conn, participant_id, "rr_interval", start, now)
    heart_from = now - dt.timedelta(hours=heart_hours)
    beats = await data.series(conn, participant_id, "rr_interval", heart_from, now, _HEART_ROWS)
    cgm_from = now - dt.timedelta(days=REPORT_PERIOD_DAYS)
    cgm = await data.series(conn, participant_id, "glucose", cgm_from, now, _HEART_ROWS)
    alerts = await data.open_alerts(conn, participant_id)
    checkins = await checkin_history(conn, participant_id, now)
    # The care team has now seen the check-ins (the participant's home page says so).
    await mark_checkins_seen(conn, participant_id, account.account_id, now)
    await write_audit_async(
        conn,
        account.audit(
            "read", f"participant/{participant_id}", "success", subjects=[participant_id]
        ),
    )
    await conn.commit()
    heart, glucose = await asyncio.to_thread(_summaries, beats, cgm, who.time_zone, now)
    return ParticipantOut(
        participant_id=participant_id,
        identity=IdentityOut(**dataclasses.asdict(who)),
        devices=[DeviceOut(**dataclasses.asdict(d)) for d in devices],
        gateway=_gateway(devices, home, now),
        window={"from": start, "to": now},
        trends={
            "heart_rate": [BucketOut(**dataclasses.asdict(b)) for b in hr],
            "rr_interval": [BucketOut(**dataclasses.asdict(b)) for b in rr],
        },
        heart={**heart, "hours": heart_hours},
        glucose=glucose,
        data_quality={
            "heart_rate_coverage_pct": _coverage(len(hr), hours),
            "rr_coverage_pct": _coverage(len(rr), hours),
            "glucose_active_pct_14d": glucose["sufficiency"]["active_pct"],
            "glucose_sufficient_14d": glucose["sufficiency"]["sufficient"],
            "censored_glucose_readings_14d": sum(v is None for v in cgm.values),
        },
        open_alerts=alerts,
        checkins=[CheckinOut(**dataclasses.asdict(c)) for c in checkins],
    )


def _summaries(
    beats: data.Series, cgm: data.Series, tz: str, now: dt.datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    pairs = [(t.timestamp(), v) for t, v in zip(beats.times, beats.values, strict=True) if v]
    rr_t = np.array([t for t, _ in pairs], dtype=np.float64)
    rr_ms = np.array([v for _, v in pairs], dtype=np.float64)
    heart = heart_summary(rr_t, rr_ms)
    glucose = glucose_summary(cgm.times, cgm.values, cgm.flags, tz, now)
    return heart, glucose


def _gateway(
    devices: list[data.DeviceRow], home: data.GatewayRow | None, now: dt.datetime
) -> dict[str, Any]:
    seen = {} if home is None else home.device_seen
    states = [
        DeviceState(
            str(d.device_id), d.kind, d.last_seen, seen.get(str(d.device_id)), d.battery_pct
        )
        for d in devices
    ]
    gateway_id = None if home is None else str(home.gateway_id)
    heartbeat = None if home is None else home.last_heartbeat_at
    return gateway_status(states, gateway_id, heartbeat, now)


def _coverage(buckets: int, hours: int) -> float:
    return round(min(100.0, 100.0 * buckets / (hours * _BUCKETS_PER_HOUR)), 1)


@router.get(
    "/{participant_id}/readings",
    response_model=ReadingsOut,
    responses={401: {}, 403: {}, 404: {}, 422: {}},
    summary=f"Raw readings of one stream in [from, to) (at most {MAX_WINDOW} and {MAX_ROWS} rows)",
)
async def get_readings(
    participant_id: uuid.UUID,
    account: ClinicianDep,
    conn: ConnDep,
    metric: Metric,
    start: Annotated[dt.datetime, Query(alias="from", description="ISO 8601 with offset")],
    end: Annotated[dt.datetime, Query(alias="to", description="ISO 8601 with offset")],
) -> ReadingsOut:
    _check_window(start, end)
    await ensure_participant_in_scope(conn, account, participant_id, action="read")
    rows = await data.series(conn, participant_id, metric, start, end, MAX_ROWS + 1)
    if len(rows.times) > MAX_ROWS:
        await conn.rollback()
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"more than {MAX_ROWS} readings between from and to; ask for a shorter window",
        )
    await write_audit_async(
        conn,
        account.audit(
            "read",
            f"participant/{participant_id}/readings",
            "success",
            subjects=[participant_id],
            details={"metric": metric, "from": start.isoformat(), "to": end.isoformat()},
        ),
    )
    await conn.commit()
    return ReadingsOut(
        participant_id=participant_id,
        metric=metric,
        start=start,
        end=end,
        items=[
            ReadingOut(measured_at=t, value=v, flags=decode_flags(f))
            for t, v, f in zip(rows.times, rows.values, rows.flags, strict=True)
        ],
    )


def _check_window(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "from and to need a UTC offset, e.g. 2026-12-01T09:00:00+09:00",
        )
    if end <= start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "to must be after from")
    if end - start > MAX_WINDOW:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the window from {start.isoformat()} to {end.isoformat()} is longer than the "
            f"limit of {MAX_WINDOW.total_seconds() / 3600:g} h; ask for several shorter windows",
        )
