"""Gateway benchmarks: CPU per notification, latency to PostgreSQL, capacity.

1. ``throughput``: the gateway's notification path (the bleak notify callback that queues
   bytes, the session pump, codec decode, conversion to readings, durable outbox ``put``)
   driven through the real ``run_hr_session`` / ``run_cgm_session`` with realistic Heart
   Rate Measurement notifications (physiology feed, RR intervals, ATT MTU 517) and CGM
   back-fill notifications (14 days of records with E2E-CRC, as many per notification as
   the MTU holds). Rates are per gateway CPU-second (``time.process_time``: all threads, so
   the outbox worker threads count). Baselines in the same run on the same bytes: the pure
   codec decode, and decode + conversion. Two feeds: ``live`` (one outbox transaction per
   notification, as a strap notifying once a second gets) and ``burst`` (64 queued
   notifications per transaction, as after a stall).
2. ``latency``: a real run at real-time speed: embedded PostgreSQL, the real API (uvicorn
   subprocess), one real gateway per home (HR strap + CGM) over a simulated radio whose
   wearables run in a child process. Clock points, all on this host's wall clock:

   * ``t_notify``: the strap's ``time.time()`` just before it hands the Heart Rate
     Measurement to its Bumble stack (simulator process);
   * ``t_rx``: the gateway's notify-callback stamp (``NotificationQueue``), which is the
     heart-rate reading's ``measured_at``;
   * ``t_commit``: ``readings.received_at``, the server's ``now()`` in the inserting
     transaction (its start; the commit follows in the same request).

   Latency = ``t_commit - t_notify``; most of it is the uploader's idle pause
   (``upload_interval_s``, 5 s by default) once the outbox is empty.
3. ``ramp``: N heart-rate straps (one notification a second each) on ONE gateway,
   N = 2, 8, 16, ... until it falls behind: a strap not connected, more than 1 % of the
   notifications without a stored reading, notify->commit p95 beyond one upload pause +
   2 s, event-loop lag p99 over 250 ms, or the gateway above 0.9 core. ``--strap-hz`` > 1
   multiplies the load per strap (the simulated link itself gets slow to connect beyond
   ~100 straps: every advertisement reaches every controller). Then, from the latency
   run's CPU per home (simulator + gateway + API + database), how many homes this
   machine runs in real time.

Usage::

    .venv/bin/python -m bench.gateway_stack [--json] [--plot] [--quick] [--latency-s 60]
        [--homes 3] [--ramp 2,8,16,32,64] [--window-s 10] [--strap-hz 1]
        [--skip throughput,latency,ramp] [--upload-interval-s 5] [--database-url URL]

Default run: about 4 minutes on this 2-core machine; ``--quick``: about 2 minutes.

Linux only (the CPU of the API, database and simulator processes is read with psutil).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from bench._common import (
    progress,
    simulate_main,
)
from bench._gateway_consts import OUT_DIR, TAG
from bench._gateway_live import live_benches
from bench._gateway_report import plot, strip_samples, summary
from bench.gateway_path import throughput
from gateway.config import GatewayConfig


def _default_upload_interval_s() -> float:
    import dataclasses

    (field,) = (f for f in dataclasses.fields(GatewayConfig) if f.name == "upload_interval_s")
    return float(field.default)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    parser.add_argument("--plot", action="store_true", help="write bench/out/gateway_*.png")
    parser.add_argument("--quick", action="store_true", help="short run: 20 s latency, ramp 2,8,16")
    parser.add_argument(
        "--hr-notifications", type=int, default=3000, help="HR notifications in item 1"
    )
    parser.add_argument("--latency-s", type=float, default=60.0, help="latency window, s")
    parser.add_argument("--homes", type=int, default=3, help="homes (HR + CGM) in the latency run")
    parser.add_argument("--ramp", default="2,8,16,32,64", help="straps per ramp step")
    parser.add_argument("--window-s", type=float, default=10.0, help="ramp window per step, s")
    parser.add_argument(
        "--upload-interval-s",
        type=float,
        default=_default_upload_interval_s(),
        help="gateway upload pause when the outbox is empty (default: GatewayConfig's)",
    )
    parser.add_argument(
        "--strap-hz",
        type=float,
        default=1.0,
        help="ramp notifications per strap per second (above 1: a load multiplier)",
    )
    parser.add_argument("--skip", default="", help="comma list of throughput,latency,ramp")
    parser.add_argument("--database-url", default=None, help="default: embedded PostgreSQL")
    parser.add_argument("--simulate", help=argparse.SUPPRESS)  # the simulator child process
    args = parser.parse_args()
    if args.simulate:
        simulate_main(args.simulate)
        return
    if args.quick:
        args.latency_s, args.ramp, args.window_s, args.hr_notifications = 20.0, "2,8,16", 8.0, 1000
    args.skip = set(filter(None, args.skip.split(",")))
    steps = [int(n) for n in args.ramp.split(",") if n]
    results: dict[str, Any] = {}
    if "throughput" not in args.skip:
        results["throughput"] = asyncio.run(throughput(args.hr_notifications))
    if not {"latency", "ramp"} <= args.skip:
        results |= asyncio.run(live_benches(args, steps))
    if args.plot:
        for path in plot(results, OUT_DIR):
            progress(TAG, f"wrote {path}")
    if args.json:
        print(json.dumps(strip_samples(results), indent=2))
    else:
        print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
