"""What the demo prints while it runs: readings stored per participant, from the rollup."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

import psycopg

from wearmon.demo.enrol import EnrolledHome

_METRICS = ("heart_rate", "rr_interval", "glucose", "battery")
_SHORT = {"heart_rate": "HR", "rr_interval": "RR", "glucose": "CGM", "battery": "batt"}


def stored_counts(
    conn: psycopg.Connection[tuple[object, ...]],
) -> dict[tuple[uuid.UUID, str], int]:
    """Readings stored per (participant, metric), read from the 5-minute rollup (cheap)."""
    rows = conn.execute(
        "SELECT participant_id, metric, sum(n)::bigint FROM readings_5m GROUP BY 1, 2"
    ).fetchall()
    return {(uuid.UUID(str(p)), str(m)): int(str(n)) for p, m, n in rows}


def format_progress(
    homes: Sequence[EnrolledHome], counts: Mapping[tuple[uuid.UUID, str], int], elapsed_s: float
) -> str:
    """A compact table: one line per participant, totals first (pure, tested)."""
    total = sum(counts.values())
    lines = [f"[{elapsed_s:7.0f} s] {total:,} readings stored"]
    for home in homes:
        cells = "  ".join(
            f"{_SHORT[m]} {counts.get((home.participant_id, m), 0):>8,}" for m in _METRICS
        )
        lines.append(f"  {home.spec.participant_id} {home.spec.scenario.name:<16} {cells}")
    return "\n".join(lines)
