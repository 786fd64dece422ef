"""Predicted-low findings per participant-day for every demo scenario, replayed live.

For each participant of the demo's cohort (``simulators.physiology.cohort``, the
demo's scenario mix) the CGM of ``--days`` days is simulated by the participant's own
glucose model and sensor (noise, dropouts, signal gaps, LOW/HIGH). The rules are then
replayed as the alert worker runs them: at every reading, ``analytics.rules``'
``predicted_low_findings`` over the worker's 135-min glucose window. Findings are
merged into alert episodes the way the alert lifecycle merges them (a finding whose
onset is within 30 min of the episode's last flagged time belongs to it), and the
episodes are counted per participant-day. Also reported: the share of true lows
(simulated plasma glucose < 70 mg/dL for >= 15 min) preceded by a predicted-low
episode opened within the 30 min before their onset.

Usage::

    python -m bench.predicted_low [--participants 40] [--days 2] [--seed 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from typing import Any

import numpy as np

from analytics.glycemic import uncensor
from analytics.rules import ParticipantWindow, Thresholds, predicted_low_findings
from simulators.physiology import CgmFlag, GlucoseModel
from simulators.physiology.cohort import cohort

#: The alert worker's glucose look-back (ingest.alerts.loader.GLUCOSE_LOOKBACK).
WINDOW_S = 135 * 60.0
#: The alert lifecycle's re-arm time of predicted_low (ingest.alerts.lifecycle.CLEAR_S).
MERGE_S = 30 * 60.0
#: Replay start: a Monday 00:00 UTC (any fixed time; the cohort's seeds fix the rest).
START_S = 1_767_571_200.0
TRUE_LOW_MG_DL = 70.0
TRUE_LOW_MIN_S = 15 * 60.0
LEAD_S = 30 * 60.0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def episodes(
    t: np.ndarray, g: np.ndarray, thresholds: Thresholds
) -> tuple[list[tuple[float, float]], int]:
    """Alert episodes (onset, last flagged time) from a live replay of the rule, and the
    number of distinct findings (distinct onsets) the replay produced."""
    merged: list[list[float]] = []
    onsets: set[float] = set()
    lo = 0
    for i in range(t.size):
        now = float(t[i])
        while t[lo] < now - WINDOW_S:
            lo += 1
        window = ParticipantWindow(
            start_s=now - WINDOW_S, cgm_times_s=t[lo : i + 1], cgm_mg_dl=g[lo : i + 1]
        )
        for f in predicted_low_findings(window, thresholds, now):
            onsets.add(f.onset_s)
            last = now if f.end_s is None else f.end_s
            if merged and f.onset_s <= merged[-1][1] + MERGE_S:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([f.onset_s, last])
    return [(a, b) for a, b in merged], len(onsets)


def true_low_onsets(t: np.ndarray, bg: np.ndarray) -> list[float]:
    """Onsets of plasma glucose < 70 mg/dL lasting >= 15 min."""
    low = np.r_[False, bg < TRUE_LOW_MG_DL, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(low))
    return [
        float(t[a])
        for a, b in zip(edges[::2], edges[1::2], strict=True)
        if t[b - 1] - t[a] >= TRUE_LOW_MIN_S
    ]


def run(n: int, days: float, seed: int, confirm: int | None = None) -> dict[str, Any]:
    thresholds = Thresholds()
    if confirm is not None:
        thresholds = thresholds.override(
            "predicted_low", version=f"bench-confirm-{confirm}", confirm_readings=confirm
        )
    per: dict[str, dict[str, float]] = defaultdict(
        lambda: {
            "participants": 0,
            "days": 0.0,
            "findings": 0,
            "episodes": 0,
            "true_lows": 0,
            "warned": 0,
        }
    )
    started = time.perf_counter()
    specs = cohort(n, seed)
    for k, spec in enumerate(specs, 1):
        trace = GlucoseModel(spec.glucose, spec.seed).generate(START_S, days * 86_400.0)
        present = (trace.flags & CgmFlag.MISSING) == 0
        g = uncensor(
            trace.glucose_mg_dl[present],
            (trace.flags[present] & CgmFlag.LOW) != 0,
            (trace.flags[present] & CgmFlag.HIGH) != 0,
        )
        t = trace.time_s[present]
        eps, distinct = episodes(t, g, thresholds)
        lows = true_low_onsets(trace.time_s, trace.blood_glucose_mg_dl)
        warned = sum(any(on - LEAD_S <= a <= on for a, _ in eps) for on in lows)
        row = per[spec.scenario.name]
        row["participants"] += 1
        row["days"] += days
        row["episodes"] += len(eps)
        row["findings"] += distinct
        row["true_lows"] += len(lows)
        row["warned"] += warned
        log(
            f"{k}/{len(specs)} {spec.scenario.name}: {len(eps)} episodes "
            f"({time.perf_counter() - started:.0f} s)"
        )
    return {
        name: {
            **row,
            "episodes_per_participant_day": row["episodes"] / row["days"],
            "findings_per_participant_day": row["findings"] / row["days"],
            "true_lows_warned_share": row["warned"] / row["true_lows"]
            if row["true_lows"]
            else None,
        }
        for name, row in sorted(per.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=40, help="cohort size (default 40)")
    parser.add_argument("--days", type=float, default=2.0, help="days replayed (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="cohort seed (default 0)")
    parser.add_argument(
        "--confirm",
        type=int,
        help="consecutive readings the rule requires (default: the rule's own, 2); "
        "1 shows the rule without the noise guard",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    args = parser.parse_args()
    if args.participants < 1 or not 0 < args.days <= 30:
        parser.error("--participants must be >= 1 and --days in (0, 30]")
    res = run(args.participants, args.days, args.seed, args.confirm)
    if args.json:
        print(json.dumps(res, indent=2))
        return
    print(
        f"predicted_low alert episodes, live replay over {args.days:g} days "
        f"(cohort of {args.participants}, seed {args.seed}, "
        f"confirm_readings {args.confirm or 'default'})"
    )
    print(
        f"{'scenario':16s} {'people':>6s} {'findings':>8s} {'episodes':>8s} "
        f"{'per participant-day':>19s} {'true lows':>9s} {'warned':>6s}"
    )
    for name, r in res.items():
        print(
            f"{name:16s} {r['participants']:6d} {r['findings']:8d} {r['episodes']:8d} "
            f"{r['episodes_per_participant_day']:19.2f} {r['true_lows']:9d} {r['warned']:6d}"
        )
    print(
        "findings: distinct onsets over all evaluations; episodes: merged as the alert "
        "lifecycle merges them (30 min); warned: true lows (plasma < 70 for >= 15 min) "
        "with an episode opened in the 30 min before their onset"
    )


if __name__ == "__main__":
    main()
