"""Per-participant CGM summary rows, streamed one participant at a time."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

import numpy as np

from analytics.glycemic import cgm_metrics

# Glucose readings of released participants, shifted, in the order the grouping needs.
CGM_SQL = (
    "SELECT s.pseudonym, s.time_zone, r.measured_at + make_interval(days => s.offset_days),"
    " r.value FROM readings r JOIN export_subjects s ON s.participant_id = r.participant_id"
    " WHERE r.participant_id = %(participant)s AND r.metric = 'glucose' AND r.value IS NOT NULL"
    " ORDER BY r.measured_at"
)


def summary_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """One summary row per participant from (pseudonym, zone, time, mg/dL) rows."""
    for pseudonym, group in itertools.groupby(rows, key=lambda r: r[0]):
        readings = list(group)
        zone = ZoneInfo(str(readings[0][1]))
        times = [r[2] for r in readings]
        values = np.array([float(str(r[3])) for r in readings])
        yield _summary(str(pseudonym), zone, times, values)  # type: ignore[arg-type]


def _summary(
    pseudonym: str, zone: ZoneInfo, times: list[dt.datetime], values: np.ndarray
) -> tuple[object, ...]:
    m = cgm_metrics(times, values, zone)
    days = len({t.astimezone(zone).date() for t in times})
    # Consensus ranges (Battelino 2019): very low <54, low 54-69, in range 70-180,
    # high 181-250, very high >250 mg/dL; iglu gives cumulative shares.
    return (
        pseudonym,
        times[0],
        times[-1],
        len(times),
        days,
        _num(m["active_percent"]),
        _num(m["mean"]),
        _num(m["GMI"]),
        _num(m["CV"]),
        _num(m["below_54"]),
        _num(m["below_70"] - m["below_54"]),
        _num(m["in_range_70_180"]),
        _num(m["above_180"] - m["above_250"]),
        _num(m["above_250"]),
    )


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 4)
