"""Per-reading validation rules (docs/privacy.md "Ingestion hygiene"), pure and tested directly.

Structural problems (wrong JSON types, unknown fields) are the schema's job and fail the
whole request with 422. The rules here judge one reading at a time, so that one bad
reading is rejected alone, with its index, field and reason, and the good ones are stored.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ingest.flags import FLAG_BITS, encode_flags


@dataclass(frozen=True, slots=True)
class MetricRule:
    """Unit and plausible range of one metric."""

    unit: str
    low: float
    high: float
    censorable: bool = False


# docs/privacy.md "Ingestion hygiene": plausibility HR 20-250 bpm, RR 200-3000 ms, CGM 40-400
# mg/dL (sensor LOW/HIGH stored as censored values, not numbers). Battery Level is a
# percentage 0-100 (Bluetooth SIG Battery Level 0x2A19). Units are UCUM (docs/privacy.md
# "Interoperability": /min for heart rate).
METRICS: Final[dict[str, MetricRule]] = {
    "heart_rate": MetricRule("/min", 20.0, 250.0),
    "rr_interval": MetricRule("ms", 200.0, 3000.0),
    "glucose": MetricRule("mg/dL", 40.0, 400.0, censorable=True),
    "battery": MetricRule("%", 0.0, 100.0),
}
_CENSORED_FLAGS: Final = frozenset({"censored_low", "censored_high"})


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The accepted range of measurement times for readings received at ``now``."""

    now: dt.datetime
    future_tolerance_s: float
    buffer_window_days: float

    @property
    def latest(self) -> dt.datetime:
        return self.now + dt.timedelta(seconds=self.future_tolerance_s)

    @property
    def earliest(self) -> dt.datetime:
        return self.now - dt.timedelta(days=self.buffer_window_days)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one reading of a batch was not stored."""

    index: int
    field: str
    reason: str


# (device id, metric, measured at, value, unit, flag bits, index in the batch): what
# storage needs of a reading, and where it was in the batch (to name it if refused later).
AcceptedReading = tuple[uuid.UUID, str, dt.datetime, float | None, str, int, int]

# What each kind of device measures: a heart-rate strap heart rate and RR intervals
# (Bluetooth SIG Heart Rate Service 0x180D), a CGM glucose (CGM Service 0x181F); both
# report their battery (Battery Service 0x180F). Anything else from a device is refused.
KIND_METRICS: Final[dict[str, frozenset[str]]] = {
    "hr": frozenset({"heart_rate", "rr_interval", "battery"}),
    "cgm": frozenset({"glucose", "battery"}),
}


@dataclass(frozen=True, slots=True)
class ValidReading:
    """A reading that passed every rule, ready to store."""

    device_id: uuid.UUID
    metric: str
    measured_at: dt.datetime
    value: float | None
    unit: str
    flags: tuple[str, ...]


def check_reading(
    index: int,
    *,
    device_id: str,
    metric: str,
    measured_at: dt.datetime,
    value: float | None,
    unit: str,
    flags: list[str],
    window: TimeWindow,
) -> ValidReading | Rejection:
    """Apply every per-reading rule; the first rule that fails names the field and reason."""
    try:
        device = uuid.UUID(device_id)
    except ValueError:
        return Rejection(index, "device_id", f"{device_id[:64]!a} is not a UUID device id")
    rule = METRICS.get(metric)
    if rule is None:
        return Rejection(
            index, "metric", f"unknown metric {metric[:64]!a}; known: {sorted(METRICS)}"
        )
    if unit != rule.unit:
        return Rejection(
            index, "unit", f"{metric} must be sent in {rule.unit!r}, got {unit[:64]!a}"
        )
    unknown = [f for f in flags if f not in FLAG_BITS]
    if unknown:
        shown = [f[:64] for f in unknown[:5]]
        return Rejection(index, "flags", f"unknown flags {shown!a}; known: {list(FLAG_BITS)}")
    problem = _time_problem(measured_at, window)
    if problem is not None:
        return Rejection(index, "measured_at", problem)
    problem = _value_problem(metric, rule, value, flags)
    if problem is not None:
        return Rejection(index, "value", problem)
    return ValidReading(device, metric, measured_at, value, unit, tuple(flags))


def _time_problem(measured_at: dt.datetime, window: TimeWindow) -> str | None:
    if measured_at.tzinfo is None or measured_at.utcoffset() is None:
        return "timestamp has no time zone; send ISO 8601 with an offset, e.g. ...Z"
    if measured_at > window.latest:
        return (
            f"{measured_at.isoformat()} is more than {window.future_tolerance_s:g} s in the "
            "future; check the gateway clock"
        )
    if measured_at < window.earliest:
        return (
            f"{measured_at.isoformat()} is older than the {window.buffer_window_days:g}-day "
            "gateway buffer window"
        )
    return None


def _value_problem(
    metric: str, rule: MetricRule, value: float | None, flags: list[str]
) -> str | None:
    censored = _CENSORED_FLAGS.intersection(flags)
    if censored:
        if not rule.censorable:
            return f"{metric} cannot be censored (flags {sorted(censored)})"
        if len(censored) > 1:
            return "a reading cannot be both censored_low and censored_high"
        if value is not None:
            return "a censored reading carries no number: send value null"
        return None
    if value is None:
        return f"{metric} needs a number (null is only allowed with a censored flag)"
    if not math.isfinite(value):
        return f"{value} is not a finite number"
    if not rule.low <= value <= rule.high:
        hint = "; send sensor LOW/HIGH as censored_low/censored_high" if rule.censorable else ""
        return f"{value:g} {rule.unit} is outside the plausible {rule.low:g}-{rule.high:g}{hint}"
    return None


def judge_all(
    readings: Sequence[Mapping[str, Any]], window: TimeWindow
) -> tuple[list[AcceptedReading], list[Rejection]]:
    """Split a batch into accepted readings and rejections, in order.

    The common case (a known metric in its unit, no flags, a finite in-range value, an
    aware timestamp inside the window) is decided inline, because this runs for every
    reading the platform receives; anything else goes through ``check_reading``, the one
    place that words the reasons. A property test holds both paths to the same verdicts.
    """
    earliest, latest = window.earliest, window.latest
    devices: dict[str, uuid.UUID | None] = {}
    accepted: list[AcceptedReading] = []
    rejected: list[Rejection] = []
    for i, r in enumerate(readings):
        key = r["device_id"]
        if key in devices:
            device = devices[key]
        else:
            device = devices[key] = _parse_uuid(key)
        metric, unit, flags = r["metric"], r["unit"], r.get("flags")
        value, at = r["value"], r["measured_at"]
        rule = METRICS.get(metric)
        if (
            device is not None
            and rule is not None
            and unit == rule.unit
            and not flags
            and value is not None
            and rule.low <= value <= rule.high  # false for NaN; inf is out of range
            and at.utcoffset() is not None
            and earliest <= at <= latest
        ):
            accepted.append((device, metric, at, value, unit, 0, i))
            continue
        verdict = check_reading(
            i,
            device_id=key,
            metric=metric,
            measured_at=at,
            value=value,
            unit=unit,
            flags=flags or [],
            window=window,
        )
        if isinstance(verdict, Rejection):
            rejected.append(verdict)
        else:
            accepted.append(
                (
                    verdict.device_id,
                    verdict.metric,
                    verdict.measured_at,
                    verdict.value,
                    verdict.unit,
                    encode_flags(verdict.flags),
                    i,
                )
            )
    return accepted, rejected


def _parse_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def split_by_kind(
    accepted: Sequence[AcceptedReading], kinds: Mapping[uuid.UUID, str]
) -> tuple[list[AcceptedReading], list[Rejection]]:
    """Refuse readings of a metric their device's kind does not measure (pure).

    ``kinds`` maps every device of ``accepted`` to its enrolled kind (``hr`` or ``cgm``).
    """
    kept: list[AcceptedReading] = []
    refused: list[Rejection] = []
    for reading in accepted:
        kind = kinds[reading[0]]
        if reading[1] in KIND_METRICS.get(kind, frozenset()):
            kept.append(reading)
        else:
            refused.append(
                Rejection(
                    reading[6],
                    "metric",
                    f"device {reading[0]} is enrolled as {kind!r}, which does not measure "
                    f"{reading[1]}; it measures {sorted(KIND_METRICS.get(kind, ()))}",
                )
            )
    return kept, refused
