"""What the demo prints while it runs: the triage list beside the readings stored.

One line per participant, in triage order (highest open alert priority first, then more
open alerts), with the open alerts by priority and their rules, and the readings stored
per stream (read from the 5-minute rollup, which is cheap).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import psycopg

from wearmon.demo.enrol import EnrolledHome

_METRICS = ("heart_rate", "rr_interval", "glucose", "battery")
_SHORT = {"heart_rate": "HR", "rr_interval": "RR", "glucose": "CGM", "battery": "batt"}
PRIORITIES = ("HIGH", "MEDIUM", "LOW")


@dataclass
class OpenAlerts:
    """A participant's unresolved alerts: counts by priority and the rules behind them."""

    by_priority: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PRIORITIES, 0))
    rules: set[str] = field(default_factory=set)

    def rank(self) -> tuple[int, ...]:
        """Sort key: most urgent first (HIGH count, then MEDIUM, then LOW), descending."""
        return tuple(-self.by_priority[p] for p in PRIORITIES)


def stored_counts(
    conn: psycopg.Connection[tuple[object, ...]],
) -> dict[tuple[uuid.UUID, str], int]:
    """Readings stored per (participant, metric), read from the 5-minute rollup (cheap)."""
    rows = conn.execute(
        "SELECT participant_id, metric, sum(n)::bigint FROM readings_5m GROUP BY 1, 2"
    ).fetchall()
    return {(uuid.UUID(str(p)), str(m)): int(str(n)) for p, m, n in rows}


def open_alerts(conn: psycopg.Connection[tuple[object, ...]]) -> dict[uuid.UUID, OpenAlerts]:
    """Unresolved (open or acknowledged) alerts per participant."""
    rows = conn.execute(
        "SELECT participant_id, priority, rule_id, retrospective FROM alerts "
        "WHERE state <> 'RESOLVED'"
    ).fetchall()
    out: dict[uuid.UUID, OpenAlerts] = defaultdict(OpenAlerts)
    for pid, priority, rule, retrospective in rows:
        entry = out[uuid.UUID(str(pid))]
        entry.by_priority[str(priority)] += 1
        # "*": retrospective (the episode had ended long before its data arrived).
        entry.rules.add(f"{rule}*" if retrospective else str(rule))
    return dict(out)


def format_progress(
    homes: Sequence[EnrolledHome],
    counts: Mapping[tuple[uuid.UUID, str], int],
    alerts: Mapping[uuid.UUID, OpenAlerts],
    elapsed_s: float,
) -> str:
    """The triage list with the readings stored, one line per participant (pure, tested)."""
    total = sum(counts.values())
    n_open = sum(sum(a.by_priority.values()) for a in alerts.values())
    lines = [
        f"[{elapsed_s:7.0f} s] {total:,} readings stored; {n_open} open alerts "
        "(triage order; H/M/L = open alerts by priority, * = retrospective)"
    ]
    none = OpenAlerts()
    ordered = sorted(
        homes,
        key=lambda h: (alerts.get(h.participant_id, none).rank(), h.spec.participant_id),
    )
    for home in ordered:
        entry = alerts.get(home.participant_id, none)
        triage = " ".join(f"{p[0]}{entry.by_priority[p]}" for p in PRIORITIES)
        cells = " ".join(
            f"{_SHORT[m]} {counts.get((home.participant_id, m), 0):>7,}" for m in _METRICS
        )
        rules = ", ".join(sorted(entry.rules))
        lines.append(
            f"  {home.spec.participant_id} {home.spec.scenario.name:<15} {triage}  {cells}"
            + (f"  {rules}" if rules else "")
        )
    return "\n".join(lines)
