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
    af_burden: float | None  # percent of analysed time in AF-like rhythm
    last_seen: dt.datetime | None
    wear_time: float | None  # percent
    battery: float | None  # lowest battery of the participant's devices, percent
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    sufficiency: float | None  # CGM active percent over 14 days


def parse_row(item: Mapping[str, Any]) -> TriageRow:
    counts = priority_counts(pick(item, "open_alerts", "open_alerts_by_priority", "alerts"))
    technical = pick(item, "open_technical", "technical_alerts", "open_alerts_technical")
    if isinstance(technical, list):
        technical = len(technical)
    tech_count = int(technical) if isinstance(technical, int | float) else 0
    reviewer = pick(item, "last_reviewed_by", "reviewed_by", "last_reviewed.by")
    return TriageRow(
        participant_id=str(pick(item, "participant_id", "id")),
        label=str(
            pick(item, "display_name", "name", "label", "external_id", "participant_id", "id")
        ),
        highest_priority=pick(item, "highest_priority", "highest_open_priority") or highest(counts),
        open_alerts=counts,
        open_technical=tech_count,
        tbr54=as_float(pick(item, "tbr54", "below_54_pct", "cgm.below_54", "time_below_54")),
        tbr70=as_float(pick(item, "tbr70", "below_70_pct", "cgm.below_70", "time_below_70")),
        tir=as_float(pick(item, "tir", "in_range_pct", "cgm.in_range_70_180", "time_in_range")),
        af_burden=as_float(pick(item, "af_burden", "af_burden_pct", "rhythm.af_burden")),
        last_seen=as_time(pick(item, "last_seen", "last_seen_at")),
        wear_time=as_float(pick(item, "wear_time", "wear_time_pct", "wear_pct")),
        battery=as_float(pick(item, "battery", "battery_min", "lowest_battery")),
        reviewed_at=as_time(pick(item, "last_reviewed_at", "reviewed_at", "last_reviewed.at")),
        reviewed_by=str(reviewer) if reviewer is not None else None,
        sufficiency=as_float(pick(item, "sufficiency", "cgm_active_pct", "data_sufficiency")),
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
