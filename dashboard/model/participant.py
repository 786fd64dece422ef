"""A participant's page as plain data, read from the API's JSON (no Dash imports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboard.model.glucose import GlucoseSummary, summary_from_metrics
from dashboard.model.shapes import as_float, as_time, pick

_TIME_KEYS = ("bucket", "measured_at", "ts", "t", "time", "start", "at")


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
    if isinstance(data, list) and data and type(data[0]) is dict:
        # Fast path for the API's uniform lists: find the keys once, not per point.
        first = data[0]
        time_key = next((k for k in _TIME_KEYS if k in first), None)
        value_key = next((k for k in keys if k in first), None)
        if time_key is not None and value_key is not None:
            return _sorted([(as_time(p.get(time_key)), as_float(p.get(value_key))) for p in data])
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
    """The API's AGP: ``minute_of_day`` (bin end, local), ``percentiles`` and
    ``glucose_mg_dl`` with one row per bin and one column per percentile."""
    if not isinstance(data, Mapping):
        return Agp()
    matrix = pick(data, "glucose_mg_dl")
    if isinstance(matrix, list):
        pcts = [float(p) for p in pick(data, "percentiles") or ()]
        minutes_raw = pick(data, "minute_of_day") or []
        cols: dict[str, list[float | None]] = {}
        for name in _PCTS:
            want = float(name[1:])
            idx = pcts.index(want) if want in pcts else None
            cols[name] = [
                as_float(row[idx]) if idx is not None and isinstance(row, list) else None
                for row in matrix
            ]
        return Agp(tuple(float(m) for m in minutes_raw), *(tuple(cols[p]) for p in _PCTS))
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
    problems: Sequence[str] = ()


@dataclass(frozen=True)
class HeartSummary:
    """The API's heart summary of the newest ``hours``: HRV medians of 5-min windows and
    AF burden."""

    hours: float | None = None
    beats: int | None = None
    rmssd_ms: float | None = None
    sdnn_ms: float | None = None
    af_burden_pct: float | None = None
    af_minutes_last_hour: float | None = None
    af_episodes: int | None = None


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
    heart: HeartSummary = field(default_factory=HeartSummary)
    window_end: dt.datetime | None = None
    mood: tuple[MoodScore, ...] = ()


@dataclass(frozen=True)
class MoodScore:
    """One weekly GDS-15 check-in on the score trend (docs/checkins.md)."""

    at: dt.datetime
    score: int | None
    cutoff: int | None
    positive: bool | None


def parse_mood(data: Any) -> tuple[MoodScore, ...]:
    """The GDS-15 check-ins of ``checkins`` (oldest first); other instruments are left out."""
    out = []
    for item in data if isinstance(data, list) else []:
        at = as_time(pick(item, "completed_at"))
        if at is None or pick(item, "instrument") != "gds15":
            continue
        score, cutoff = as_float(pick(item, "score")), as_float(pick(item, "cutoff"))
        positive = pick(item, "positive")
        out.append(
            MoodScore(
                at,
                None if score is None else int(score),
                None if cutoff is None else int(cutoff),
                positive if isinstance(positive, bool) else None,
            )
        )
    return tuple(sorted(out, key=lambda m: m.at))


def parse_devices(data: Any) -> list[Device]:
    devices = []
    for item in data if isinstance(data, list) else []:
        devices.append(
            Device(
                device_id=str(pick(item, "serial", "device_id", "id") or "?"),
                kind=str(pick(item, "kind", "type", "metric") or "?"),
                battery=as_float(pick(item, "battery_pct", "battery", "battery_level")),
                last_seen=as_time(pick(item, "last_seen", "last_seen_at")),
                status=pick(item, "status"),
            )
        )
    return devices


def parse_participant(data: Mapping[str, Any]) -> ParticipantView:
    """The page's data from ``GET /participants/{id}`` (glucose trace may come separately)."""
    pid = str(pick(data, "participant_id", "id"))
    label = str(pick(data, "identity.full_name", "display_name", "identity.study_id") or pid)
    trends = pick(data, "trends") or {}
    heart = pick(data, "heart") or {}
    cgm = pick(data, "glucose") or {}
    quality = pick(data, "data_quality") or {}
    gateway = pick(data, "gateway") or {}
    metrics = dict(pick(cgm, "metrics") or {})
    active = pick(cgm, "sufficiency.active_pct", "sufficiency.active_percent")
    if active is not None:
        metrics["active_percent"] = active
    failing = pick(gateway, "failing_hop")
    status = None if not gateway else ("ok" if pick(gateway, "ok") else "problem")
    problems = [
        str(pick(p, "summary") or pick(p, "rule_id")) for p in pick(gateway, "problems") or []
    ]
    af_episodes = pick(heart, "af.episodes")
    return ParticipantView(
        participant_id=pid,
        label=label,
        heart_rate=parse_series(pick(trends, "heart_rate"), "mean", "value"),
        glucose=parse_series(pick(trends, "glucose"), "mean", "value"),
        hrv_rmssd=Series(),
        hrv_sdnn=Series(),
        af_burden=Series(),
        af_burden_total=as_float(pick(heart, "af.burden_pct")),
        agp=parse_agp(pick(cgm, "agp")),
        glucose_summary=summary_from_metrics(metrics),
        quality=DataQuality(
            devices=parse_devices(pick(data, "devices")),
            gateway_status=status,
            gateway_last_seen=as_time(pick(gateway, "last_heartbeat")),
            failing_hop=str(failing) if failing else None,
            hr_coverage=as_float(pick(quality, "heart_rate_coverage_pct")),
            cgm_coverage=as_float(pick(quality, "glucose_active_pct_14d")),
            problems=tuple(problems),
        ),
        alerts=tuple(pick(data, "open_alerts") or ()),
        heart=HeartSummary(
            hours=as_float(pick(heart, "hours")),
            beats=int(b) if isinstance(b := pick(heart, "beats"), int | float) else None,
            rmssd_ms=as_float(pick(heart, "hrv.rmssd_ms")),
            sdnn_ms=as_float(pick(heart, "hrv.sdnn_ms")),
            af_burden_pct=as_float(pick(heart, "af.burden_pct")),
            af_minutes_last_hour=as_float(pick(heart, "af.minutes_last_hour")),
            af_episodes=int(af_episodes) if isinstance(af_episodes, int | float) else None,
        ),
        window_end=as_time(pick(data, "window.to")),
        mood=parse_mood(pick(data, "checkins")),
    )


def _sufficiency(cgm: Mapping[str, Any]) -> dict[str, Any]:
    value = pick(cgm, "sufficiency.active_percent", "active_percent", "sufficiency")
    return {} if value is None or isinstance(value, Mapping) else {"active_percent": value}
