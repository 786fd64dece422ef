"""The triage list: rows in the API's order, filters and search (no Dash imports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dashboard.i18n import DISPLAY_ZONE
from dashboard.model.shapes import as_float, as_time, highest, pick, priority_counts


class TriageFilter(StrEnum):
    OPEN_HIGH = "open_high"
    TECHNICAL = "technical"
    NOT_REVIEWED_TODAY = "not_reviewed_today"


@dataclass(frozen=True)
class TriageRow:
    participant_id: str
    label: str
    highest_priority: str | None
    open_alerts: Mapping[str, int]
    open_technical: int
    tbr54: float | None  # percent of CGM time < 54 mg/dL over 14 days
    tbr70: float | None  # percent < 70 mg/dL
    tir: float | None  # percent 70-180 mg/dL
    # Highest share of an hour in AF-like rhythm over the last 24 h (the API's, from its
    # af_burden alerts); None: no such alert, i.e. below the alert level when worn.
    af_burden: float | None
    last_seen: dt.datetime | None
    wear_time: float | None  # percent
    battery: float | None  # lowest battery of the participant's devices, percent
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    sufficiency: float | None  # CGM active percent over 14 days


def _alert_counts(item: Mapping[str, Any]) -> tuple[dict[str, int], int]:
    """Unresolved alerts per priority (clinical kinds) and the technical count.

    The API gives ``{"alerts": {kind: {priority: count}}}``; technical problems are counted
    apart, so a flat battery never ranks a participant with a low-glucose episode.
    """
    by_kind = pick(item, "alerts")
    if isinstance(by_kind, Mapping) and all(isinstance(v, Mapping) for v in by_kind.values()):
        counts = dict.fromkeys(("HIGH", "MEDIUM", "LOW"), 0)
        technical = 0
        for kind, per_priority in by_kind.items():
            kind_counts = priority_counts(per_priority)
            if kind == "technical":
                technical += sum(kind_counts.values())
            else:
                for priority, n in kind_counts.items():
                    counts[priority] += n
        return counts, technical
    counts = priority_counts(pick(item, "open_alerts", "alerts"))
    raw = pick(item, "open_technical", "technical_alerts")
    if isinstance(raw, list):
        raw = len(raw)
    return counts, int(raw) if isinstance(raw, int | float) else 0


def parse_row(item: Mapping[str, Any]) -> TriageRow:
    counts, technical = _alert_counts(item)
    reviewer = pick(item, "last_reviewed_by", "reviewed_by")
    return TriageRow(
        participant_id=str(pick(item, "participant_id", "id")),
        label=str(pick(item, "display_name", "name", "participant_id", "id")),
        highest_priority=highest(counts) or pick(item, "highest_priority"),
        open_alerts=counts,
        open_technical=technical,
        tbr54=as_float(pick(item, "glucose_14d.tbr54_pct", "tbr54")),
        tbr70=as_float(pick(item, "glucose_14d.tbr70_pct", "tbr70")),
        tir=as_float(pick(item, "glucose_14d.tir_pct", "tir")),
        af_burden=as_float(pick(item, "af_burden_pct_24h", "af_burden_pct", "af_burden")),
        last_seen=as_time(pick(item, "last_seen")),
        wear_time=as_float(pick(item, "wear_pct_24h", "wear_time")),
        battery=as_float(pick(item, "battery_pct", "battery")),
        reviewed_at=as_time(pick(item, "last_reviewed_at", "reviewed_at")),
        reviewed_by=str(reviewer) if reviewer is not None else None,
        sufficiency=as_float(pick(item, "glucose_14d.sufficiency_pct", "sufficiency")),
    )


def parse_rows(items: Iterable[Mapping[str, Any]]) -> list[TriageRow]:
    """Rows in the order the API gave (highest severity first); the order is the API's."""
    return [parse_row(item) for item in items]


def reviewed_today(row: TriageRow, now: dt.datetime) -> bool:
    """Reviewed since local midnight in Seoul (a nurse's working day)."""
    if row.reviewed_at is None:
        return False
    return row.reviewed_at.astimezone(DISPLAY_ZONE).date() == now.astimezone(DISPLAY_ZONE).date()


def filter_rows(
    rows: Sequence[TriageRow],
    filters: Iterable[str],
    search: str | None,
    now: dt.datetime,
) -> list[TriageRow]:
    """Rows passing every chosen filter and matching ``search``, in their given order."""
    chosen = {TriageFilter(f) for f in filters}
    needle = (search or "").strip().casefold()
    kept = []
    for row in rows:
        if TriageFilter.OPEN_HIGH in chosen and row.open_alerts.get("HIGH", 0) == 0:
            continue
        if TriageFilter.TECHNICAL in chosen and row.open_technical == 0:
            continue
        if TriageFilter.NOT_REVIEWED_TODAY in chosen and reviewed_today(row, now):
            continue
        if needle and needle not in row.label.casefold() and needle not in row.participant_id:
            continue
        kept.append(row)
    return kept
