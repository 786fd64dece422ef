"""CGM session: feature, session start, then RACP back-fill and live records.

Back-fill flow (docs/ble.md, RACP): enable notify on CGM Measurement and indicate on
RACP, write "report all" on first contact (or when the sensor session changed) else
"report records with time offset >= last held + 1", receive the records, then the RACP
response indication (success, or no records found).

Progress (the largest time offset held) is persisted in the outbox in the same transaction
as the readings that reach it, and only once the back-fill has completed: a back-fill cut
short by a disconnect is simply requested again (the re-sent readings carry the same
natural key, so the server stores them once).

Within one connection a record can reach the gateway twice: one measured between the
subscription and the sensor's selection of the requested records is notified live and
reported by RACP as well, and a "report all" fallback repeats what is already held.
Records of an offset already received on this connection, or at or below the offset held
at connect, are dropped, so each is queued for upload once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.codecs import uuids
from gateway.codecs.cgm_feature import decode_cgm_feature
from gateway.codecs.cgm_measurement import CgmMeasurement, decode_cgm_measurements
from gateway.codecs.cgm_session import decode_cgm_session_start_time, resolve_session_start
from gateway.codecs.racp import (
    RacpOpCode,
    RacpResponse,
    RacpResponseCode,
    decode_racp_response,
    encode_racp_report_all,
    encode_racp_report_from,
)
from gateway.convert import cgm_readings
from gateway.errors import CodecError, RacpError
from gateway.notify import Notification, NotificationQueue
from gateway.outbox import CgmProgress
from gateway.reading import Reading, format_instant
from gateway.session import (
    Deadline,
    GattClient,
    SessionContext,
    gatt_read,
    gatt_subscribe,
    gatt_write,
    pump,
    read_battery,
    read_device_info,
    store,
)

log = logging.getLogger(__name__)

# RACP answers meaning "this device does not understand the >= filter": fall back to
# "report all" once (CGMS sensors must support both, some firmware only does "all").
_FILTER_REFUSED = frozenset(
    {
        RacpResponseCode.OP_CODE_NOT_SUPPORTED,
        RacpResponseCode.INVALID_OPERATOR,
        RacpResponseCode.OPERATOR_NOT_SUPPORTED,
        RacpResponseCode.INVALID_OPERAND,
        RacpResponseCode.OPERAND_NOT_SUPPORTED,
    }
)
_BACKFILL_DONE = frozenset({RacpResponseCode.SUCCESS, RacpResponseCode.NO_RECORDS_FOUND})


@dataclass(slots=True)
class _Backfill:
    """State of one session's back-fill."""

    session_key: str
    start_utc: dt.datetime
    e2e_crc: bool
    held_offset_min: int | None  # persisted progress at connect (same sensor session)
    active: bool = True
    filtered: bool = False  # the request used ">= offset" (fallback to "all" allowed)
    max_offset_min: int | None = None  # largest offset received while active
    clock_logged: bool = False
    # Offsets received on this connection; held_at_connect never moves (held_offset_min does).
    received: set[int] = field(default_factory=set)
    held_at_connect: int | None = None

    def __post_init__(self) -> None:
        self.held_at_connect = self.held_offset_min

    def fresh(self, records: Sequence[CgmMeasurement]) -> list[CgmMeasurement]:
        """The records not received before on this connection nor held at connect."""
        floor = -1 if self.held_at_connect is None else self.held_at_connect
        new = [
            r
            for r in records
            if r.time_offset_min > floor and r.time_offset_min not in self.received
        ]
        self.received.update(r.time_offset_min for r in records)
        return new

    def request(self) -> bytes:
        """The RACP request for this contact."""
        if self.held_offset_min is None:
            return encode_racp_report_all()
        self.filtered = True
        return encode_racp_report_from(self.held_offset_min + 1)


async def run_cgm_session(
    client: GattClient, queue: NotificationQueue, ctx: SessionContext
) -> None:
    """CGM session: metadata, back-fill by RACP, then live records until disconnect."""
    await read_device_info(client, ctx)
    battery = await read_battery(client, ctx)
    await store(ctx, [battery] if battery else [])
    state = await _read_session(client, ctx)
    await gatt_subscribe(
        client, uuids.CGM_MEASUREMENT, queue.handler("cgm"), ctx, "cgm measurement"
    )
    await gatt_subscribe(
        client, uuids.RECORD_ACCESS_CONTROL_POINT, queue.handler("racp"), ctx, "racp"
    )
    ctx.counters.sessions += 1
    deadline = Deadline(message=f"device {ctx.device.device_id}: RACP back-fill did not finish")
    loop = asyncio.get_running_loop()
    await gatt_write(client, uuids.RECORD_ACCESS_CONTROL_POINT, state.request(), ctx, "racp")
    deadline.at = loop.time() + ctx.policy.racp_timeout_s

    async def handle(batch: list[Notification]) -> None:
        readings: list[Reading] = []
        progress: CgmProgress | None = None
        for note in batch:
            if note.source == "racp":
                progress = await _on_racp(client, ctx, state, note.data) or progress
                deadline.at = loop.time() + ctx.policy.racp_timeout_s if state.active else None
                continue
            got, reached = await _records(ctx, state, note)
            readings.extend(got)
            if reached is not None:
                progress = reached
            if state.active:  # records still flowing: the back-fill is alive
                deadline.at = loop.time() + ctx.policy.racp_timeout_s
        await store(ctx, readings, progress)

    await pump(client, queue, ctx, ctx.policy.cgm_silence_s, handle, deadline)


async def _read_session(client: GattClient, ctx: SessionContext) -> _Backfill:
    feature = decode_cgm_feature(await gatt_read(client, uuids.CGM_FEATURE, ctx, "cgm feature"))
    raw_start = await gatt_read(client, uuids.CGM_SESSION_START_TIME, ctx, "session start time")
    start = resolve_session_start(
        decode_cgm_session_start_time(raw_start, e2e_crc=feature.e2e_crc_supported)
    )
    if start.zone_assumed:
        log.warning(
            "device %s: session start time has no time zone; assuming UTC", ctx.device.device_id
        )
    key = format_instant(start.start_utc)
    progress = await asyncio.to_thread(ctx.outbox.cgm_progress, ctx.device.device_id)
    held = progress.last_offset_min if progress and progress.session_start == key else None
    log.info(
        "device %s: CGM session started %s (E2E-CRC %s); back-fill from offset %s",
        ctx.device.device_id,
        key,
        feature.e2e_crc_supported,
        "start" if held is None else held + 1,
    )
    return _Backfill(key, start.start_utc, feature.e2e_crc_supported, held)


async def _records(
    ctx: SessionContext, state: _Backfill, note: Notification
) -> tuple[list[Reading], CgmProgress | None]:
    try:
        decoded = decode_cgm_measurements(note.data, e2e_crc=state.e2e_crc)
    except CodecError as exc:
        ctx.counters.undecodable += 1
        log.warning("device %s: undecodable CGM notification: %s", ctx.device.device_id, exc)
        return [], None
    ctx.counters.cgm_crc_dropped += decoded.dropped_count
    records = state.fresh(decoded.records)
    if len(records) < len(decoded.records):
        log.debug(
            "device %s: %d CGM record(s) already received, not queued again",
            ctx.device.device_id,
            len(decoded.records) - len(records),
        )
    conv = cgm_readings(ctx.device.device_id, state.start_utc, records, backfilled=state.active)
    ctx.counters.cgm_value_dropped += conv.dropped
    if conv.last_offset_min is None:
        return list(conv.readings), None
    if state.active:
        state.max_offset_min = max(conv.last_offset_min, state.max_offset_min or 0)
        return list(conv.readings), None
    if not state.clock_logged and conv.readings:
        state.clock_logged = True
        await asyncio.to_thread(
            ctx.outbox.record_clock,
            ctx.device.device_id,
            note.received_at,
            format_instant(conv.readings[-1].measured_at),
        )
    return list(conv.readings), _progress(ctx, state, conv.last_offset_min)


def _progress(ctx: SessionContext, state: _Backfill, offset_min: int | None) -> CgmProgress | None:
    known = [o for o in (offset_min, state.held_offset_min) if o is not None]
    if not known:
        return None
    state.held_offset_min = max(known)
    return CgmProgress(ctx.device.device_id, state.session_key, state.held_offset_min)


async def _on_racp(
    client: GattClient, ctx: SessionContext, state: _Backfill, data: bytes
) -> CgmProgress | None:
    try:
        response = decode_racp_response(data)
    except CodecError as exc:
        raise RacpError(
            f"device {ctx.device.device_id}: unreadable RACP indication: {exc}"
        ) from exc
    if not isinstance(response, RacpResponse) or not state.active:
        return None
    if response.request_op_code != RacpOpCode.REPORT_STORED_RECORDS:
        return None
    if response.response_code in _BACKFILL_DONE:
        state.active = False
        log.info(
            "device %s: back-fill complete (%s)", ctx.device.device_id, response.response_code.name
        )
        return _progress(ctx, state, state.max_offset_min)
    if state.filtered and response.response_code in _FILTER_REFUSED:
        log.warning(
            "device %s: RACP refused the >= filter (%s); requesting all records",
            ctx.device.device_id,
            response.response_code.name,
        )
        state.filtered = False
        await gatt_write(
            client, uuids.RECORD_ACCESS_CONTROL_POINT, encode_racp_report_all(), ctx, "racp"
        )
        return None
    raise RacpError(
        f"device {ctx.device.device_id}: RACP back-fill failed with {response.response_code.name}; "
        "the gateway retries on the next connection"
    )
