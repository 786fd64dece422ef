"""Latency and capacity (items 2 and 3 of ``python -m bench.gateway_stack``):
matching sends to stored rows, the ramp verdict, homes per machine."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._common import (
    fresh_database,
    percentiles_ms,
    progress,
)
from bench._gateway_consts import (
    DELIVERY_SLACK_S,
    HR_PERIOD_S,
    MAX_GATEWAY_CORES,
    MAX_LAG_P99_MS,
    MAX_LOSS,
    PLANNING_UTILISATION,
    TAG,
)
from bench._gateway_fleet import EnrolledGateway, LiveSettings, enrol, fetch_hr_rows, live_run
from wearmon.api_process import api_process


def match_sends(
    sends: dict[str, list[float]],
    rows: Sequence[tuple[str, float, float]],
    address_of: dict[str, str],
    window: tuple[float, float],
    period_s: float = HR_PERIOD_S,
) -> dict[str, Any]:
    """Pair every heart-rate row with the strap notification it came from.

    A row's ``measured_at`` is the gateway's receive stamp; its notification is the last
    one its strap sent at or before it (straps notify once a second, so a pair further
    apart than ``period_s`` is counted ``unpaired`` instead). Only notifications sent inside
    ``window`` (epoch s) count.
    """
    import bisect

    by_device: dict[str, list[tuple[float, float]]] = {}
    for device_id, rx_s, commit_s in rows:
        by_device.setdefault(device_id, []).append((rx_s, commit_s))
    to_commit, to_rx = [], []
    sent = unpaired = 0
    for device_id, address in address_of.items():
        times = sorted(sends.get(address.upper(), []))
        sent += sum(window[0] <= t <= window[1] for t in times)
        paired: set[int] = set()
        for rx_s, commit_s in by_device.get(device_id, []):
            k = bisect.bisect_right(times, rx_s) - 1
            if k < 0 or not window[0] <= times[k] <= window[1] or k in paired:
                continue
            if rx_s - times[k] > period_s:
                unpaired += 1
                continue
            paired.add(k)
            to_commit.append(commit_s - times[k])
            to_rx.append(rx_s - times[k])
    return {
        "sent": sent,
        "stored": len(to_commit),
        "unpaired": unpaired,
        "delivered": len(to_commit) / sent if sent else float("nan"),
        "notify_to_commit_s": to_commit,
        "notify_to_rx_s": to_rx,
    }


def _observe(
    raw: dict[str, Any], gateways: Sequence[EnrolledGateway], db_url: str
) -> dict[str, Any]:
    straps = {w.device_id: w.address for g in gateways for w in g.wearables if w.kind == "hr"}
    rows = fetch_hr_rows(db_url, list(straps), raw["t0"] - 5.0)
    window = (raw["t0"], raw["t1"])
    paired = match_sends(raw["sends"], rows, straps, window, raw["notify_period_s"])
    keep = ("wearables", "connect_s", "cores", "loop_lag_ms", "depth_start", "depth_end")
    return {k: raw[k] for k in keep} | paired


async def latency_bench(
    homes: Sequence[EnrolledGateway], s: LiveSettings, window_s: float
) -> dict[str, Any]:
    """Item 2: notify-to-commit latency of a few homes at real-time speed."""
    progress(TAG, f"latency: {len(homes)} homes (HR + CGM each), {window_s:g} s at speed 1.0")
    obs = _observe(await live_run(homes, s, window_s), homes, s.db_url)
    rx_to_commit = [
        c - r for c, r in zip(obs["notify_to_commit_s"], obs["notify_to_rx_s"], strict=True)
    ]
    obs |= {
        "homes": len(homes),
        "window_s": window_s,
        "upload_interval_s": s.upload_interval_s,
        "latency_ms": percentiles_ms(obs["notify_to_commit_s"]),
        "notify_to_rx_ms": percentiles_ms(obs["notify_to_rx_s"]),
        "rx_to_commit_ms": percentiles_ms(rx_to_commit),
    }
    progress(
        TAG, f"latency p50 {obs['latency_ms']['p50']:.0f} ms, p95 {obs['latency_ms']['p95']:.0f} ms"
    )
    return obs


def verdict(step: dict[str, Any]) -> list[str]:
    """Why a ramp step did not keep up (empty: sustained)."""
    reasons = []
    if step["connect_s"] != step["connect_s"]:  # NaN: not all straps connected in time
        reasons.append("not all straps connected")
    if not step["delivered"] >= 1.0 - MAX_LOSS:
        reasons.append(f"delivered {step['delivered']:.3f}")
    late_ms = 1000.0 * (step["upload_interval_s"] + DELIVERY_SLACK_S)
    if not step["latency_ms"]["p95"] <= late_ms:
        reasons.append(f"notify->commit p95 {step['latency_ms']['p95']:.0f} ms")
    if step["loop_lag_ms"]["p99"] > MAX_LAG_P99_MS:
        reasons.append(f"loop lag p99 {step['loop_lag_ms']['p99']:.0f} ms")
    if step["cores"]["gateway"] > MAX_GATEWAY_CORES:
        reasons.append(f"gateway at {step['cores']['gateway']:.2f} cores")
    return reasons


async def ramp_step(
    gw: EnrolledGateway, s: LiveSettings, n: int, window_s: float, strap_hz: float
) -> dict[str, Any]:
    """One ramp step: the first ``n`` straps of ``gw`` for ``window_s``, judged."""
    progress(TAG, f"ramp: {n} HR straps at {strap_hz:g} Hz on one gateway, {window_s:g} s")
    raw = await live_run([gw.first(n)], s, window_s, 1.0 / strap_hz)
    obs = _observe(raw, [gw], s.db_url)
    obs["notifications_per_s"] = obs["sent"] / window_s
    obs["latency_ms"] = percentiles_ms(obs.pop("notify_to_commit_s"))
    obs["notify_to_rx_ms"] = percentiles_ms(obs.pop("notify_to_rx_s"))
    obs |= {"straps": n, "upload_interval_s": s.upload_interval_s}
    # Not the gateway's fault: the simulator process itself is out of CPU.
    obs["simulator_saturated"] = obs["cores"]["simulator"] > MAX_GATEWAY_CORES
    obs["falls_behind"] = verdict(obs)
    cores = ", ".join(f"{k} {v:.2f}" for k, v in obs["cores"].items())
    state = "; ".join(obs["falls_behind"]) or "sustained"
    progress(TAG, f"  connected in {obs['connect_s']:.0f} s; cores: {cores}; {state}")
    return obs


async def ramp_bench(
    gw: EnrolledGateway,
    s: LiveSettings,
    steps: Sequence[int],
    window_s: float,
    strap_hz: float = 1.0,
) -> dict[str, Any]:
    """Item 3: straps on one gateway, step by step, until it falls behind."""
    results = []
    for n in steps:
        results.append(await ramp_step(gw, s, n, window_s, strap_hz))
        if results[-1]["falls_behind"]:
            break
    ok = [r["straps"] for r in results if not r["falls_behind"]]
    return {"steps": results, "max_sustained_straps": max(ok, default=0)} | _marginal(results)


def _marginal(steps: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares gateway cores per strap, and the straps one core would carry."""
    import numpy as np

    ok = [r for r in steps if not r["falls_behind"]]
    if len(ok) < 2:
        return {}
    n = np.array([r["straps"] for r in ok], dtype=float)
    cores = np.array([r["cores"]["gateway"] for r in ok])
    slope, intercept = np.polyfit(n, cores, 1)
    return {
        "gateway_cores_per_strap": float(slope),
        "gateway_cores_fixed": float(intercept),
        "straps_at_gateway_limit": float((MAX_GATEWAY_CORES - intercept) / slope),
    }


def demo_capacity(latency: dict[str, Any], cpu_count: int) -> dict[str, Any]:
    """Homes this machine runs in real time, from the latency run's CPU per home.

    Two bounds: the machine's cores over the whole per-home cost (simulator, gateway, API,
    database), and ONE core over simulator + gateway, because ``wearmon demo`` runs every
    home's wearables and gateway in one Python process (wearmon/demo/gateways.py).
    """
    per_home = {k: v / latency["homes"] for k, v in latency["cores"].items()}
    total = sum(per_home.values())
    in_process = per_home["simulator"] + per_home["gateway"]
    machine = cpu_count / total
    one_process = 1.0 / in_process
    return {
        "cores_per_home": per_home,
        "cores_per_home_total": total,
        "homes_machine_bound_at_100pct": machine,
        "homes_demo_process_bound_at_100pct": one_process,
        "homes_real_time": int(PLANNING_UTILISATION * min(machine, one_process)),
        "planning_utilisation": PLANNING_UTILISATION,
    }


async def live_benches(args: argparse.Namespace, steps: list[int]) -> dict[str, Any]:
    """Items 2 and 3 on one fresh database and one API server."""
    import os

    out: dict[str, Any] = {}
    with fresh_database(args.database_url, TAG) as db:
        homes, ramp_gw = enrol(db.url, args.homes, max(steps, default=0))
        no_workers = {"WEARMON_ALERT_WORKERS": "0"}  # the bench measures ingestion only
        with (
            api_process(db.url, env=no_workers, quiet=True) as api,
            tempfile.TemporaryDirectory() as tmp,
        ):
            s = LiveSettings(
                api.url, api.pid, db.postmaster_pid, db.url, args.upload_interval_s, Path(tmp)
            )
            if "latency" not in args.skip:
                out["latency"] = await latency_bench(homes, s, args.latency_s)
                out["demo_machine"] = demo_capacity(out["latency"], os.cpu_count() or 1)
            if "ramp" not in args.skip and steps:
                out["ramp"] = await ramp_bench(ramp_gw, s, steps, args.window_s, args.strap_hz)
    return out
