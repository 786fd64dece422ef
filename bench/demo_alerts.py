"""``wearmon demo`` for N minutes: alerts per participant-day for each scenario, the demo's
acceptance checks, and the time until every participant has heart rate, RR and glucose.

Runs the real command (``python -m wearmon demo``) in a child process on its own data
directory and port, reads the database it prints every few seconds while it runs (the
embedded database stops with the demo), and reports:

* per scenario: participants, alerts by rule (physiological / technical, how many
  retrospective), alerts per participant-day (history days plus minutes run);
* the acceptance checks within ``--within`` minutes of the start: the paroxysmal_af
  participants have ``af_burden``, nocturnal_hypo ``hypo_level1`` or ``hypo_level2``,
  bradycardia and tachycardia their rate rule, low_mood ``mood_screen`` (from its weekly
  check-ins), gateway_outage a technical alert, and healthy participants no
  physiological or wellbeing alert;
* seconds from the demo's start until every participant has all three streams stored.

Usage::

    .venv/bin/python -m bench.demo_alerts [--minutes 8] [--participants 20] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench._common import progress
from wearmon.api_process import free_port

STREAMS = ("heart_rate", "rr_interval", "glucose")
POLL_S = 5.0
# What each risk scenario must raise (any of the rules listed), within --within minutes.
EXPECTED: Mapping[str, frozenset[str]] = {
    "paroxysmal_af": frozenset({"af_burden"}),
    "nocturnal_hypo": frozenset({"hypo_level1", "hypo_level2"}),
    "bradycardia": frozenset({"bradycardia"}),
    "tachycardia": frozenset({"tachycardia"}),
}
# What a scenario must raise from its weekly check-ins (docs/checkins.md).
WELLBEING_EXPECTED: Mapping[str, frozenset[str]] = {"low_mood": frozenset({"mood_screen"})}
TECHNICAL_SCENARIO = "gateway_outage"
HEALTHY_SCENARIO = "healthy"


@dataclass(frozen=True)
class Alert:
    participant_id: str
    rule_id: str
    kind: str
    priority: str
    retrospective: bool
    created_after_s: float  # seconds after the demo's start


@dataclass
class Observation:
    """What the polls saw: streams complete, alerts, the cohort."""

    started_at: dt.datetime
    scenario_of: dict[str, str] = field(default_factory=dict)
    label_of: dict[str, str] = field(default_factory=dict)
    all_streams_after_s: float | None = None
    alerts: dict[tuple[str, str, str], Alert] = field(default_factory=dict)
    polls: int = 0


def check_acceptance(obs: Observation, within_s: float) -> list[dict[str, Any]]:
    """One row per participant with a check: scenario, expectation, result (pure)."""
    seen: dict[str, list[Alert]] = defaultdict(list)
    for a in obs.alerts.values():
        if a.created_after_s <= within_s:
            seen[a.participant_id].append(a)
    rows = []
    for pid, scenario in sorted(obs.scenario_of.items(), key=lambda kv: obs.label_of[kv[0]]):
        alerts = seen.get(pid, [])
        physio = {a.rule_id for a in alerts if a.kind == "physiological"}
        technical = {a.rule_id for a in alerts if a.kind == "technical"}
        wellbeing = {a.rule_id for a in alerts if a.kind == "wellbeing"}
        if scenario in WELLBEING_EXPECTED:
            rules = WELLBEING_EXPECTED[scenario]
            want, ok = f"one of {sorted(rules)}", bool(wellbeing & rules)
            hits = [a for a in alerts if a.rule_id in rules]
        elif scenario in EXPECTED:
            want, ok = f"one of {sorted(EXPECTED[scenario])}", bool(physio & EXPECTED[scenario])
            hits = [a for a in alerts if a.rule_id in EXPECTED[scenario]]
        elif scenario == TECHNICAL_SCENARIO:
            want, ok = "a technical alert", bool(technical)
            # The one the scenario places in the history: retrospective low coverage.
            hits = [a for a in alerts if a.rule_id == "low_coverage" and a.retrospective]
        elif scenario == HEALTHY_SCENARIO:
            want, ok = "no physiological or wellbeing alert", not physio and not wellbeing
            hits = []
        else:
            continue
        rows.append(
            {
                "participant": obs.label_of[pid],
                "scenario": scenario,
                "expected": want,
                "ok": ok,
                "physiological": sorted(physio),
                "technical": sorted(technical),
                "first_expected_after_s": (
                    round(min(a.created_after_s for a in hits), 1) if hits else None
                ),
            }
        )
    return rows


def burden(obs: Observation, participant_days: float) -> dict[str, dict[str, Any]]:
    """Per scenario: alerts by rule and alerts per participant-day (pure)."""
    members = Counter(obs.scenario_of.values())
    by_scenario: dict[str, list[Alert]] = defaultdict(list)
    for a in obs.alerts.values():
        by_scenario[obs.scenario_of.get(a.participant_id, "?")].append(a)
    out = {}
    for scenario, n in sorted(members.items()):
        alerts = by_scenario.get(scenario, [])
        days = n * participant_days
        out[scenario] = {
            "participants": n,
            "participant_days": round(days, 3),
            "physiological_per_participant_day": _rate(alerts, "physiological", days),
            "technical_per_participant_day": _rate(alerts, "technical", days),
            "by_rule": dict(sorted(Counter(a.rule_id for a in alerts).items())),
            "retrospective": sum(a.retrospective for a in alerts),
        }
    return out


def _rate(alerts: Iterable[Alert], kind: str, days: float) -> float:
    return round(sum(1 for a in alerts if a.kind == kind) / days, 3) if days else 0.0


def _poll(conn: psycopg.Connection[Any], obs: Observation, elapsed_s: float) -> None:
    if obs.all_streams_after_s is None and obs.scenario_of:
        rows = conn.execute(
            "SELECT participant_id::text, metric FROM readings_5m WHERE metric = ANY(%s) "
            "GROUP BY 1, 2",
            (list(STREAMS),),
        ).fetchall()
        have = {(str(p), str(m)) for p, m in rows}
        if all((p, m) in have for p in obs.scenario_of for m in STREAMS):
            obs.all_streams_after_s = elapsed_s
    for pid, rule, key, kind, priority, retro, created in conn.execute(
        "SELECT participant_id::text, rule_id, episode_key, kind, priority, retrospective, "
        "created_at FROM alerts"
    ).fetchall():
        after_s = (created - obs.started_at).total_seconds()
        obs.alerts[(str(pid), str(rule), f"{key}@{created.isoformat()}")] = Alert(
            str(pid), str(rule), str(kind), str(priority), bool(retro), after_s
        )
    obs.polls += 1


def _database_url(log_path: Path) -> str | None:
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("database:"):
            return line.split(":", 1)[1].strip()
    return None


def _load_manifest(path: Path, obs: Observation) -> None:
    manifest = json.loads(path.read_text())
    for p in manifest["participants"]:
        obs.scenario_of[str(p["participant_id"])] = str(p["scenario"])
        obs.label_of[str(p["participant_id"])] = str(p["label"])


def run(args: argparse.Namespace, work: Path) -> Observation:
    manifest, log_path = work / "manifest.json", work / "demo.log"
    cmd = [
        sys.executable, "-m", "wearmon", "demo",
        "--participants", str(args.participants),
        "--history-days", str(args.history_days),
        "--minutes", str(args.minutes),
        "--port", str(args.port or free_port()),
        "--data-dir", str(work),
        "--manifest", str(manifest),
    ]  # fmt: skip
    progress("demo_alerts", " ".join(cmd[2:]))
    obs = Observation(started_at=dt.datetime.now(dt.UTC))
    started = time.monotonic()
    with log_path.open("wb") as log, subprocess.Popen(cmd, stdout=log, stderr=log) as proc:
        conn: psycopg.Connection[Any] | None = None
        try:
            while proc.poll() is None:
                time.sleep(POLL_S)
                elapsed = time.monotonic() - started
                if not obs.scenario_of and manifest.exists():
                    with contextlib.suppress(ValueError, KeyError):
                        _load_manifest(manifest, obs)
                url = _database_url(log_path)
                if url is None or not obs.scenario_of:
                    continue
                try:
                    conn = conn or psycopg.connect(url, autocommit=True)
                    _poll(conn, obs, elapsed)
                except psycopg.Error as exc:
                    progress("demo_alerts", f"poll failed ({exc.__class__.__name__}); retrying")
                    conn = None
                    continue
                complete = obs.all_streams_after_s
                progress(
                    "demo_alerts",
                    f"{elapsed:5.0f} s: {len(obs.alerts)} alerts; all streams stored: "
                    + ("not yet" if complete is None else f"after {complete:.0f} s"),
                )
        finally:
            if conn is not None:
                conn.close()
            if proc.poll() is None:
                proc.terminate()
    if proc.returncode not in (0, None):
        tail = log_path.read_text(errors="replace")[-2000:]
        raise SystemExit(f"wearmon demo exited with {proc.returncode}:\n{tail}")
    return obs


def report(obs: Observation, args: argparse.Namespace) -> dict[str, Any]:
    days = args.history_days + args.minutes / 1440.0
    checks = check_acceptance(obs, args.within * 60.0)
    return {
        "command": "wearmon demo",
        "participants": args.participants,
        "history_days": args.history_days,
        "minutes": args.minutes,
        "within_minutes": args.within,
        "all_streams_after_s": obs.all_streams_after_s,
        "acceptance_ok": all(c["ok"] for c in checks),
        "acceptance": checks,
        "per_scenario": burden(obs, days),
        "polls": obs.polls,
    }


def _print(result: Mapping[str, Any]) -> None:
    streams = result["all_streams_after_s"]
    print(
        f"all streams (HR, RR, glucose) stored for every participant after: "
        f"{'never' if streams is None else f'{streams:.0f} s'}"
    )
    print(f"acceptance within {result['within_minutes']:g} min: "
          f"{'PASS' if result['acceptance_ok'] else 'FAIL'}")  # fmt: skip
    for c in result["acceptance"]:
        mark = "ok  " if c["ok"] else "FAIL"
        after = c["first_expected_after_s"]
        print(
            f"  {mark} {c['participant']} {c['scenario']:<15} expects {c['expected']}"
            + ("" if after is None else f" (after {after:.0f} s)")
            + f"; physiological {c['physiological']} technical {c['technical']}"
        )
    print("alerts per participant-day (history days + minutes run):")
    for scenario, row in result["per_scenario"].items():
        print(
            f"  {scenario:<16} n={row['participants']:<2} physiological "
            f"{row['physiological_per_participant_day']:6.2f}  technical "
            f"{row['technical_per_participant_day']:6.2f}  retrospective "
            f"{row['retrospective']:<3} {row['by_rule']}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="demo run time (8)")
    parser.add_argument("--within", type=float, default=7.0, help="acceptance deadline, min (7)")
    parser.add_argument("--participants", type=int, default=20, help="cohort size (20)")
    parser.add_argument("--history-days", type=float, default=1.0, help="history (1)")
    parser.add_argument("--port", type=int, help="API port (default: a free one)")
    parser.add_argument("--data-dir", type=Path, help="demo data dir (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="machine-readable results")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        work = args.data_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        result = report(run(args, work), args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)


if __name__ == "__main__":
    main()
