"""A participant's page as plain data, read from the API's JSON (no Dash imports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.model.glucose import GlucoseSummary, summary_from_metrics
from dashboard.model.shapes import as_float, as_time, pick

_TIME_KEYS = ("ts", "t", "time", "bucket", "start", "at")


@dataclass(frozen=True)
class Series:
    """Values over time, sorted by time; ``None`` values are gaps."""

    times: Sequence[dt.datetime] = ()
    values: Sequence[float | None] = ()

    def __len__(self) -> int:
        return len(self.times)


def parse_series(data: Any, *value_keys: str) -> Series:
    """A series from ``[{"ts": ..., "<value_key>": ...}, ...]`` or ``{"ts": [...], key: [...]}``."""
    keys = value_keys or ("value", "v", "mean")
    if isinstance(data, Mapping):
        times_raw = pick(data, *_TIME_KEYS)
        values_raw = pick(data, *keys)
        if isinstance(times_raw, list) and isinstance(values_raw, list):
            pairs = [(as_time(t), as_float(v)) for t, v in zip(times_raw, values_raw, strict=False)]
            return _sorted(pairs)
        points = pick(data, "points", "items", "series")
        return parse_series(points, *keys) if points is not None else Series()
    if isinstance(data, list):
        pairs = []
        for point in data:
            if isinstance(point, Mapping):
                pairs.append((as_time(pick(point, *_TIME_KEYS)), as_float(pick(point, *keys))))
            elif isinstance(point, list | tuple) and len(point) >= 2:
                pairs.append((as_time(point[0]), as_float(point[1])))
        return _sorted(pairs)
    return Series()


def _sorted(pairs: list[tuple[dt.datetime | None, float | None]]) -> Series:
    kept = sorted(((t, v) for t, v in pairs if t is not None), key=lambda p: p[0])
    return Series(tuple(t for t, _ in kept), tuple(v for _, v in kept))


@dataclass(frozen=True)
class Agp:
    """Percentiles of glucose by minute of the day (5/25/50/75/95)."""

    minutes: Sequence[float] = ()
    p5: Sequence[float | None] = ()
    p25: Sequence[float | None] = ()
    p50: Sequence[float | None] = ()
    p75: Sequence[float | None] = ()
    p95: Sequence[float | None] = ()

    def __len__(self) -> int:
        return len(self.minutes)


def parse_agp(data: Any) -> Agp:
    if not isinstance(data, Mapping):
        return Agp()
    minutes = pick(data, "minutes", "minute_of_day", "bins_minutes")
    if minutes is None and isinstance(pick(data, "bins"), list):
        bins = data["bins"]
        minutes = [pick(b, "minute", "minute_of_day") for b in bins]
        columns = {p: [as_float(pick(b, p, f"p{p[1:]}")) for b in bins] for p in _PCTS}
    else:
        columns = {p: [as_float(v) for v in (pick(data, p, p.upper()) or [])] for p in _PCTS}
    if not isinstance(minutes, list):
        step = 1440.0 / max(len(columns["p50"]), 1)
        minutes = [i * step for i in range(len(columns["p50"]))]
    return Agp(tuple(float(m) for m in minutes), *(tuple(columns[p]) for p in _PCTS))


_PCTS = ("p5", "p25", "p50", "p75", "p95")


@dataclass(frozen=True)
class Device:
    device_id: str
    kind: str
    battery: float | None
    last_seen: dt.datetime | None
    status: str | None


@dataclass(frozen=True)
class DataQuality:
    """Status of each hop from wearable to server; ``failing_hop`` names the broken one."""

    devices: Sequence[Device]
    gateway_status: str | None
    gateway_last_seen: dt.datetime | None
    failing_hop: str | None
    hr_coverage: float | None
    cgm_coverage: float | None


@dataclass(frozen=True)
class ParticipantView:
    participant_id: str
    label: str
    heart_rate: Series
    glucose: Series
    hrv_rmssd: Series
    hrv_sdnn: Series
    af_burden: Series  # percent per bucket (e.g. per hour or day)
    af_burden_total: float | None
    agp: Agp
    glucose_summary: GlucoseSummary
    quality: DataQuality
    alerts: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


def parse_devices(data: Any) -> list[Device]:
    devices = []
    for item in data if isinstance(data, list) else []:
        devices.append(
            Device(
                device_id=str(pick(item, "device_id", "id", "serial") or "?"),
                kind=str(pick(item, "kind", "type", "metric") or "?"),
                battery=as_float(pick(item, "battery", "battery_pct", "battery_level")),
                last_seen=as_time(pick(item, "last_seen", "last_seen_at")),
                status=pick(item, "status"),
            )
        )
    return devices


def parse_participant(data: Mapping[str, Any]) -> ParticipantView:
    pid = str(pick(data, "participant_id", "id", "participant.participant_id", "participant.id"))
    label = str(
        pick(
            data,
            "display_name",
            "name",
            "participant.display_name",
            "participant.name",
            "identity.display_name",
            "identity.name",
            "external_id",
            "participant.external_id",
        )
        or pid
    )
    heart = pick(data, "heart", "cardiac") or {}
    cgm = pick(data, "cgm", "glucose") or {}
    quality = pick(data, "data_quality", "quality") or {}
    gateway = pick(data, "gateway", "gateway_status", "quality.gateway") or {}
    if isinstance(gateway, str):
        gateway = {"status": gateway}
    return ParticipantView(
        participant_id=pid,
        label=label,
        heart_rate=parse_series(
            pick(heart, "rate", "hr", "heart_rate", "trend"), "mean", "value", "hr", "bpm"
        ),
        glucose=parse_series(pick(cgm, "trace", "readings", "series"), "mean", "value", "glucose"),
        hrv_rmssd=parse_series(pick(heart, "hrv"), "rmssd", "rmssd_ms"),
        hrv_sdnn=parse_series(pick(heart, "hrv"), "sdnn", "sdnn_ms"),
        af_burden=parse_series(pick(heart, "af_burden_series", "af.series"), "burden", "value"),
        af_burden_total=as_float(pick(heart, "af_burden", "af.burden", "af_burden_pct")),
        agp=parse_agp(pick(cgm, "agp")),
        glucose_summary=summary_from_metrics({**(pick(cgm, "metrics") or {}), **_sufficiency(cgm)}),
        quality=DataQuality(
            devices=parse_devices(pick(data, "devices")),
            gateway_status=pick(gateway, "status", "state"),
            gateway_last_seen=as_time(pick(gateway, "last_seen", "last_heartbeat")),
            failing_hop=pick(gateway, "failing_hop") or pick(quality, "failing_hop"),
            hr_coverage=as_float(pick(quality, "hr_coverage", "heart_rate.coverage")),
            cgm_coverage=as_float(pick(quality, "cgm_coverage", "glucose.coverage")),
        ),
        alerts=tuple(pick(data, "open_alerts", "alerts") or ()),
    )


def _sufficiency(cgm: Mapping[str, Any]) -> dict[str, Any]:
    value = pick(cgm, "sufficiency.active_percent", "active_percent", "sufficiency")
    return {} if value is None or isinstance(value, Mapping) else {"active_percent": value}
