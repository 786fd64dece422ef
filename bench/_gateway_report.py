"""Figures and the text summary of ``python -m bench.gateway_stack``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench._gateway_consts import MAX_GATEWAY_CORES

# --- running, reporting, plotting ------------------------------------------------------


def plot(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write bench/out/gateway_latency.png and gateway_ramp.png; return the files written."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "latency" in results:
        written.append(_plot_latency(results["latency"], out_dir / "gateway_latency.png"))
    if "ramp" in results:
        written.append(_plot_ramp(results["ramp"]["steps"], out_dir / "gateway_ramp.png"))
    return written


def _plot_latency(lat: dict[str, Any], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (
        ("notify_to_commit_s", "notify -> commit"),
        ("notify_to_rx_s", "notify -> gateway"),
    ):
        ms = sorted(1000.0 * v for v in lat[key])
        ax.plot(ms, [(i + 1) / len(ms) for i in range(len(ms))], label=label)
    title = f"HR readings, {lat['homes']} homes, upload_interval_s {lat['upload_interval_s']:g}"
    ax.set(xscale="log", xlabel="latency (ms)", ylabel="cumulative fraction", title=title)
    ax.legend()
    return _save(fig, path)


def _plot_ramp(steps: list[dict[str, Any]], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, (cpu, lat) = plt.subplots(1, 2, figsize=(11, 4))
    n = [r["straps"] for r in steps]
    for proc in ("gateway", "simulator", "api", "database"):
        cpu.plot(n, [r["cores"][proc] for r in steps], marker="o", label=proc)
    cpu.axhline(MAX_GATEWAY_CORES, color="grey", linestyle=":", label="gateway limit")
    cpu.set(xscale="log", yscale="log", xlabel="HR straps on one gateway", ylabel="CPU (cores)")
    cpu.legend()
    for key, label in (("p50", "notify -> commit p50"), ("p95", "notify -> commit p95")):
        lat.plot(n, [r["latency_ms"][key] for r in steps], marker="o", label=label)
    lat.plot(n, [r["loop_lag_ms"]["p99"] for r in steps], marker="s", label="loop lag p99")
    lat.set(xscale="log", yscale="log", xlabel="HR straps on one gateway", ylabel="ms")
    lat.legend()
    for ax in (cpu, lat):
        ax.set_xticks(n, labels=[str(x) for x in n])
        ax.minorticks_off()
    fig.suptitle("One gateway at real-time speed (1 notification/s per strap)")
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def strip_samples(results: dict[str, Any]) -> dict[str, Any]:
    """The results without per-reading samples (for --json)."""
    out: dict[str, Any] = json.loads(json.dumps(results))
    for key in ("notify_to_commit_s", "notify_to_rx_s"):
        out.get("latency", {}).pop(key, None)
    return out


def summary(results: dict[str, Any]) -> list[str]:
    """Human-readable lines."""
    lines = []
    for kind, res in results.get("throughput", {}).items():
        for feed in ("decode", "decode_convert", "live", "burst"):
            r = res[feed]
            ratio = f" ({r['ratio_vs_decode']:.3f} of decode)" if "ratio_vs_decode" in r else ""
            lines.append(
                f"{kind:3s} {feed:14s} {r['notifications_per_cpu_s']:>10,.0f} notif/CPU-s "
                f"{r['readings_per_cpu_s']:>10,.0f} readings/CPU-s{ratio}"
            )
    if "latency" in results:
        lat = results["latency"]
        lines.append(
            f"latency notify->commit p50 {lat['latency_ms']['p50']:.0f} ms, p95 "
            f"{lat['latency_ms']['p95']:.0f} ms (n={lat['latency_ms']['n']}, "
            f"delivered {lat['delivered']:.3f}); notify->gateway p50 "
            f"{lat['notify_to_rx_ms']['p50']:.1f} ms, p95 {lat['notify_to_rx_ms']['p95']:.1f} ms"
        )
    if "demo_machine" in results:
        d = results["demo_machine"]
        lines.append(
            f"cores per home {d['cores_per_home_total']:.3f} -> {d['homes_real_time']} homes "
            f"in real time at {d['planning_utilisation']:.0%} of the machine"
        )
    if "ramp" in results:
        ramp = results["ramp"]
        lines.append(f"ramp: max sustained {ramp['max_sustained_straps']} straps on one gateway")
        if "gateway_cores_per_strap" in ramp:
            lines.append(
                f"ramp: {1000 * ramp['gateway_cores_per_strap']:.2f} gateway millicores per "
                f"strap -> ~{ramp['straps_at_gateway_limit']:.0f} straps at "
                f"{MAX_GATEWAY_CORES:g} core (extrapolated)"
            )
    return lines
