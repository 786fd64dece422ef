"""Throughput of analytics.rules: every rule over N participants x 24 h, plus HRV vs NeuroKit2.

Data are synthetic and seeded (a plain numpy generator, much faster than
simulators.physiology): per participant-day about 100k RR intervals (sinus rhythm with
respiratory and circadian modulation, 0.1 % artefacts), heart rate at 1 Hz interpolated
from them, CGM every 5 minutes with meals. One participant in ten of each kind carries an
episode: tachycardia, bradycardia, AF-like rhythm, a stretch of poor strap contact
(65 % coverage), a hypo, a long hyper, a silent device and a low battery.

The whole cohort is generated first, untimed, and kept in memory (about 3.3 MB per
participant-day, 3.3 GB for 1,000); worker processes are forked after it exists and
inherit it, so only participant indices and small totals are pickled. Measured in the
same run:

* ``single``: ``evaluate_participant`` over the full day, one process: wall and CPU
  time of the rules alone;
* ``parallel``: the same over ``--processes`` forked workers fed chunks of ``--chunk``
  participants as they free up: wall time from forking the pool to the last result
  (the issue-4 target: under 10 s for 1,000 participant-days on 2 cores), and the
  workers' CPU time;
* ``tick``: what the alert worker does each cycle: every participant's last 75 min of
  heart data (the 1-h ``af_burden`` look-back plus margin) and 3 h of CGM (the 2-h
  ``hyper_prolonged`` look-back plus the 15-min episode end and margin);
* ``stages``: CPU time per rule group for the first ``--stage-participants``
  participants (where the time goes) and the AF rule's share of it;
* ``hrv``: 5-minute time-domain HRV (mean NN, SDNN, RMSSD, pNN50) of
  ``--hrv-participants`` participants with analytics.cardiac.hrv_windows and with
  NeuroKit2's ``hrv_time`` window by window: time per window and the ratio, and the
  largest disagreement on identical input (all intervals counted as NN).

By default glibc's allocator is told to keep freed memory (:func:`tune_malloc`, what the
alert worker should do too); ``--no-malloc-tuning`` measures the defaults. The 1-minute
load average at start and end is reported: on a shared machine wall times stretch with
it, CPU times much less.

Usage::

    .venv/bin/python -m bench.throughput [--participants 1000] [--processes 2]
        [--chunk 10] [--stage-participants 50] [--hrv-participants 5] [--seed 7]
        [--no-malloc-tuning] [--json]
"""

from __future__ import annotations

import argparse
import ctypes
import itertools
import json
import multiprocessing as mp
import os
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from analytics.cardiac import hrv_windows
from analytics.rules import (
    DeviceKind,
    DeviceStatus,
    ParticipantWindow,
    Thresholds,
    af_burden_findings,
    coverage_gate,
    episode_findings,
    evaluate_participant,
    low_coverage_findings,
    predicted_low_findings,
    rate_findings,
)

FloatArray = npt.NDArray[np.float64]
#: 2026-01-01T00:00+09:00, local midnight in Seoul.
START_S = 1_767_193_200.0
DAY_S = 86_400.0
WINDOW_S = 300.0
#: The alert worker's look-back per stream: CGM 2 h (hyper_prolonged) + 15 min (episode
#: end) + margin; heart 60 min (af_burden) + 15 min (one stale_device limit) of margin.
TICK_CGM_S = 3 * 3600.0
TICK_HEART_S = 75 * 60.0
TARGET_S = 10.0
SCENARIOS = (
    "healthy",
    "tachycardia",
    "bradycardia",
    "af",
    "poor_contact",
    "hypo",
    "hyper",
    "silent_cgm",
    "low_battery",
    "healthy",
)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _segments(scenario: str, rng: np.random.Generator) -> list[tuple[float, str]]:
    """(duration_s, rhythm) pieces of the day; one event of 20-40 min at a random hour."""
    if scenario not in {"tachycardia", "bradycardia", "af"}:
        return [(DAY_S, "sinus")]
    at = float(rng.uniform(2, 20)) * 3600.0
    length = float(rng.uniform(20, 40)) * 60.0
    return [(at, "sinus"), (length, scenario), (DAY_S - at - length, "sinus")]


def _beats(duration_s: float, rhythm: str, base_ms: float, rng: np.random.Generator) -> FloatArray:
    mean_ms = {"sinus": base_ms, "tachycardia": 60000 / 135, "bradycardia": 60000 / 44}.get(
        rhythm, 650.0
    )
    n = int(duration_s * 1000.0 / mean_ms)
    if rhythm == "af":
        return rng.uniform(0.55, 1.45, n) * mean_ms
    i = np.arange(n)
    breathing = 0.04 * mean_ms * np.sin(2 * np.pi * i / 4.3)  # ~4 beats per breath
    return np.asarray(mean_ms + breathing + rng.normal(0.0, 0.015 * mean_ms, n), dtype=np.float64)


def _heart(scenario: str, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    base_ms = float(rng.uniform(800.0, 920.0))  # 65-75 bpm: ~100k beats a day
    rr = np.concatenate([_beats(d, r, base_ms, rng) for d, r in _segments(scenario, rng)])
    t = START_S + np.cumsum(rr) / 1000.0
    circadian = 1.0 + 0.08 * np.cos(2 * np.pi * (t - START_S) / DAY_S)  # slower at night
    rr = rr * circadian
    bad = rng.random(rr.size) < 0.001  # 0.1 % missed / extra detections
    rr[bad] = np.where(rng.random(int(bad.sum())) < 0.5, 150.0, 3500.0)
    t = START_S + np.cumsum(rr) / 1000.0
    keep = t < START_S + DAY_S
    return t[keep], rr[keep]


def _contact_kept(t: FloatArray, a: float) -> npt.NDArray[np.bool_]:
    """Keep mask: from ``a`` for 40 min only 6.5 s of every 10 s come through."""
    inside = (t >= a) & (t < a + 2400.0)
    return ~(inside & ((t - a) % 10.0 >= 6.5))


def _smooth_noise(rng: np.random.Generator, n: int) -> FloatArray:
    """CGM error as AR(1), phi 0.8, 5 mg/dL marginal SD: sensor error is autocorrelated."""
    phi, sd = 0.8, 5.0
    e = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def _cgm(scenario: str, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    t = START_S + np.arange(0.0, DAY_S, 300.0)
    hours = (t - START_S) / 3600.0
    g = np.full(t.size, float(rng.uniform(100, 140)))
    for meal_h in (7.5, 12.5, 18.5):
        g += 60.0 * np.exp(-0.5 * ((hours - meal_h - 1.0) / 0.7) ** 2)
    if scenario == "hypo":
        g -= 70.0 * np.exp(-0.5 * ((hours - 3.0) / 0.5) ** 2)
    if scenario == "hyper":
        rise, fall = (
            1 / (1 + np.exp(-(hours - 13.0) / 0.2)),
            1 / (1 + np.exp(-(hours - 16.5) / 0.2)),
        )
        g += 160.0 * (rise - fall)  # about 3.5 h above 250 mg/dL
    g += _smooth_noise(rng, t.size)
    g = np.clip(g, 40.0, 400.0)
    if scenario == "silent_cgm":
        return t[hours < 22.5], g[hours < 22.5]
    return t, g


def synth_window(seed: int, index: int) -> ParticipantWindow:
    """One synthetic participant-day (seeded by ``seed`` and ``index``)."""
    rng = np.random.default_rng([seed, index])
    scenario = SCENARIOS[index % len(SCENARIOS)]
    rr_t, rr = _heart(scenario, rng)
    hr_t = np.arange(START_S + 1.0, float(rr_t[-1]))
    ok = (rr >= 200) & (rr <= 3000)
    hr = np.interp(hr_t, rr_t[ok], 60000.0 / rr[ok])
    if scenario == "poor_contact":
        a = START_S + float(rng.uniform(2, 20)) * 3600.0
        keep_rr, keep_hr = _contact_kept(rr_t, a), _contact_kept(hr_t, a)
        rr_t, rr, hr_t, hr = rr_t[keep_rr], rr[keep_rr], hr_t[keep_hr], hr[keep_hr]
    cgm_t, cgm = _cgm(scenario, rng)
    battery = 3.0 if scenario == "low_battery" else float(rng.uniform(25, 100))
    end = START_S + DAY_S
    devices = (
        DeviceStatus(f"hr-{index}", DeviceKind.HR, float(rr_t[-1]), end - 5.0, battery, end - 60),
        DeviceStatus(f"cgm-{index}", DeviceKind.CGM, float(cgm_t[-1]), end - 5.0),
    )
    return ParticipantWindow(
        start_s=START_S,
        hr_times_s=hr_t,
        hr_bpm=hr,
        rr_times_s=rr_t,
        rr_ms=rr,
        cgm_times_s=cgm_t,
        cgm_mg_dl=cgm,
        devices=devices,
        gateway_id=f"gw-{index}",
        gateway_heartbeat_s=end - 30.0,
    )


def tail(w: ParticipantWindow, now_s: float) -> ParticipantWindow:
    """What the alert worker loads each tick: the last 75 min of heart, 3 h of CGM."""

    def cut(t: FloatArray, v: FloatArray, span_s: float) -> tuple[FloatArray, FloatArray]:
        k = np.searchsorted(t, now_s - span_s)
        return t[k:], v[k:]

    hr_t, hr = cut(w.hr_times_s, w.hr_bpm, TICK_HEART_S)
    rr_t, rr = cut(w.rr_times_s, w.rr_ms, TICK_HEART_S)
    cgm_t, cgm = cut(w.cgm_times_s, w.cgm_mg_dl, TICK_CGM_S)
    start = now_s - max(TICK_CGM_S, TICK_HEART_S)
    return ParticipantWindow(
        start, hr_t, hr, rr_t, rr, cgm_t, cgm, w.devices, w.gateway_id, w.gateway_heartbeat_s
    )


def tune_malloc() -> bool:
    """Keep freed heap memory in the process instead of returning it to the kernel (glibc).

    The rules allocate and free many 100k-element float64 arrays (800 kB) per
    participant-day. With glibc's defaults each is served by ``mmap`` or by heap growth
    after the top of the heap was trimmed, so every one is page-faulted in afresh:
    about 4,500 minor faults and 10 ms of kernel time per participant-day on this
    machine, 40 % of the whole. Raising the mmap and trim thresholds (``mallopt``, the
    same as the ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` environment
    variables; both must be set, a trim threshold alone disables glibc's dynamic mmap
    threshold and is slower) recycles that memory instead. Returns False where it does
    not apply (not glibc).
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    # glibc malloc.h: M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3. 32 MiB is glibc's
    # largest dynamic mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX).
    return bool(mallopt(-3, 32 << 20)) and bool(mallopt(-1, 256 << 20))


@dataclass
class ChunkResult:
    """Totals of one worker's share of participants."""

    rules_s: float = 0.0
    rules_cpu_s: float = 0.0
    tick_s: float = 0.0
    beats: int = 0
    findings: Counter[str] = field(default_factory=Counter)

    def add(self, other: ChunkResult) -> None:
        """Accumulate ``other`` into this result."""
        self.rules_s += other.rules_s
        self.rules_cpu_s += other.rules_cpu_s
        self.tick_s += other.tick_s
        self.beats += other.beats
        self.findings.update(other.findings)


#: The cohort, generated once before any timing; forked workers inherit it (copy on
#: write), so no participant's arrays are pickled to a worker.
COHORT: list[ParticipantWindow] = []


def generate(seed: int, n: int) -> float:
    """Fill :data:`COHORT` with ``n`` participant-days; returns the seconds it took."""
    t0 = time.perf_counter()
    COHORT.clear()
    for i in range(n):
        COHORT.append(synth_window(seed, i))
        if i % 100 == 99:
            _log(f"  generated {i + 1}/{n}")
    return time.perf_counter() - t0


def run_chunk(job: tuple[list[int], bool]) -> ChunkResult:
    """Evaluate the participants ``indices`` of :data:`COHORT` (also a worker entry point)."""
    indices, with_tick = job
    out = ChunkResult()
    thresholds, now = Thresholds(), START_S + DAY_S
    for n, i in enumerate(indices):
        w = COHORT[i]
        t1, c1 = time.perf_counter(), time.process_time()
        found = evaluate_participant(w, thresholds, now)
        out.rules_s += time.perf_counter() - t1
        out.rules_cpu_s += time.process_time() - c1
        if with_tick:
            short = tail(w, now)
            t3 = time.perf_counter()
            evaluate_participant(short, thresholds, now)
            out.tick_s += time.perf_counter() - t3
        out.beats += int(w.rr_ms.size)
        out.findings.update(f.rule_id for f in found)
        if n % 100 == 99:
            _log(f"  [pid {os.getpid()}] {n + 1}/{len(indices)} participants")
    return out


def run_parallel(n: int, processes: int, chunk: int) -> tuple[float, ChunkResult]:
    """Wall time of the full-day rules over the cohort on ``processes`` forked workers.

    Tasks are chunks of ``chunk`` participant indices handed out as workers free up
    (``imap_unordered``), so both cores stay busy to the end; only indices and small
    totals cross process boundaries. The wall time runs from forking the pool to the
    last result.
    """
    jobs = [(list(range(k, min(k + chunk, n))), False) for k in range(0, n, chunk)]
    total = ChunkResult()
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(processes) as pool:
        for part in pool.imap_unordered(run_chunk, jobs):
            total.add(part)
    return time.perf_counter() - t0, total


def stage_times(indices: list[int]) -> dict[str, float]:
    """CPU milliseconds per participant-day spent in each rule group."""
    th, now = Thresholds(), START_S + DAY_S
    totals: Counter[str] = Counter()
    for i in indices:
        w = COHORT[i]
        t0 = time.process_time()
        gate = coverage_gate(w, th, now)
        low_coverage_findings(w, th, gate, now)
        t1 = time.process_time()
        rate_findings(w, th, gate, now)
        t2 = time.process_time()
        af_burden_findings(w, th, gate, now)
        t3 = time.process_time()
        episode_findings(w, th, now)
        t4 = time.process_time()
        predicted_low_findings(w, th, now)
        t5 = time.process_time()
        stamps = {"coverage_gate": t1 - t0, "rate": t2 - t1, "af_burden": t3 - t2}
        stamps |= {"glucose_episodes": t4 - t3, "predicted_low": t5 - t4}
        totals.update(stamps)
    ms = {k: 1000.0 * v / len(indices) for k, v in totals.items()}
    return ms | {"af_share": ms["af_burden"] / sum(ms.values())}


def _nk_windows(rr: FloatArray, t: FloatArray, k: npt.NDArray[np.intp]) -> dict[str, FloatArray]:
    import neurokit2 as nk  # optional for the rest of the benchmark

    rows: list[tuple[float, ...]] = []
    bounds = np.searchsorted(k, np.arange(int(k.max()) + 2))
    for a, b in itertools.pairwise(bounds):
        if b - a < 3:
            rows.append((np.nan,) * 4)
            continue
        res = nk.hrv_time({"RRI": rr[a:b], "RRI_Time": t[a:b]})
        rows.append(
            tuple(float(res[f"HRV_{m}"].iloc[0]) for m in ("MeanNN", "SDNN", "RMSSD", "pNN50"))
        )
    arr = np.array(rows)
    return {name: arr[:, j] for j, name in enumerate(("mean_nn", "sdnn", "rmssd", "pnn50"))}


HRV_NAMES = ("mean_nn", "sdnn", "rmssd", "pnn50")


def _disagreement(
    rr: FloatArray, t: FloatArray, theirs: dict[str, FloatArray], gap_free: npt.NDArray[np.bool_]
) -> tuple[dict[str, float], dict[str, float]]:
    """Largest |ours - NeuroKit2| per index, over all windows and over gap-free windows."""
    same = hrv_windows(rr, times_s=t, origin_s=START_S, sampen=False, normal=np.ones(rr.size, bool))
    mine = dict(
        zip(HRV_NAMES, (same.mean_nn_ms, same.sdnn_ms, same.rmssd_ms, same.pnn50_pct), strict=True)
    )
    worst_all, worst_clean = {}, {}
    for name in HRV_NAMES:
        m = min(theirs[name].size, mine[name].size, gap_free.size)
        diff = np.abs(mine[name][:m] - theirs[name][:m])
        worst_all[name] = float(np.nanmax(diff))
        worst_clean[name] = float(np.nanmax(np.where(gap_free[:m], diff, 0.0)))
    return worst_all, worst_clean


def hrv_comparison(seed: int, indices: list[int]) -> dict[str, Any]:
    """Per-window time of 5-minute HRV: analytics.cardiac vs NeuroKit2 hrv_time."""
    ours_s = nk_s = 0.0
    windows = 0
    worst_all = dict.fromkeys(HRV_NAMES, 0.0)
    worst_clean = dict.fromkeys(HRV_NAMES, 0.0)
    for i in indices:
        w = COHORT[i] if i < len(COHORT) else synth_window(seed, i)
        ok = (w.rr_ms >= 200) & (w.rr_ms <= 3000)
        rr, t = w.rr_ms[ok], w.rr_times_s[ok]
        t0 = time.perf_counter()
        ours = hrv_windows(rr, times_s=t, origin_s=START_S, sampen=False)
        ours_s += time.perf_counter() - t0
        k = np.floor((t - rr / 2000.0 - START_S) / WINDOW_S).astype(np.intp)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = _nk_windows(rr, t, k)
        nk_s += time.perf_counter() - t0
        windows += int(ours.group.size)
        # Windows in which every interval follows the previous one: no artefact removed and
        # no lost beats (analytics.cardiac's contiguity rule, half an interval).
        broken = np.abs(np.diff(t) * 1000.0 - rr[1:]) > 0.5 * rr[1:]
        dropped = np.floor((w.rr_times_s[~ok] - START_S) / WINDOW_S).astype(np.intp)
        bad = np.concatenate((k[1:][broken], dropped))
        gap_free = np.bincount(bad, minlength=ours.group.size)[: ours.group.size] == 0
        every, clean = _disagreement(rr, t, theirs, gap_free)
        worst_all = {n: max(worst_all[n], every[n]) for n in HRV_NAMES}
        worst_clean = {n: max(worst_clean[n], clean[n]) for n in HRV_NAMES}
        _log(f"  hrv participant {i}: {ours.group.size} windows")
    return {
        "participants": len(indices),
        "windows": windows,
        "ours_ms_per_window": 1000.0 * ours_s / windows,
        "neurokit2_ms_per_window": 1000.0 * nk_s / windows,
        "speedup_vs_neurokit2": nk_s / ours_s,
        "max_abs_diff_same_input": worst_all,
        "max_abs_diff_gap_free_windows": worst_clean,
        "note": (
            "NeuroKit2 hrv_time also computes ~20 other indices per call; in windows with "
            "lost beats or removed artefacts NeuroKit2 divides NN50 by the successive "
            "differences + 1, analytics.cardiac by the NN count (Task Force)"
        ),
    }


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=1000)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=10, help="participants per parallel task")
    ap.add_argument("--stage-participants", type=int, default=50)
    ap.add_argument("--hrv-participants", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--no-malloc-tuning",
        action="store_true",
        help="keep glibc's default mmap/trim thresholds (see tune_malloc)",
    )
    ap.add_argument("--json", action="store_true", help="print a JSON object on stdout")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    n = args.participants
    tuned = False if args.no_malloc_tuning else tune_malloc()
    load_start = os.getloadavg()
    _log(f"generating {n} participant-days (not timed); malloc tuned: {tuned}")
    generation_s = generate(args.seed, n)

    _log(f"single process: {n} participants x 24 h (with the 75-min/3-h alert-worker tick)")
    single = run_chunk((list(range(n)), True))
    _log(f"  rules {single.rules_s:.1f} s wall, {single.rules_cpu_s:.1f} s CPU")

    _log(f"{args.processes} processes: {n} participants x 24 h")
    cpu0 = os.times()
    par_wall, par = run_parallel(n, args.processes, args.chunk)
    cpu1 = os.times()
    _log(f"  wall {par_wall:.1f} s")

    _log(f"stage breakdown (first {args.stage_participants} participants)")
    stages = stage_times(list(range(min(n, args.stage_participants))))
    _log(f"HRV vs NeuroKit2 ({args.hrv_participants} participants)")
    hrv = hrv_comparison(args.seed, list(range(args.hrv_participants)))

    report = {
        "participants": n,
        "hours": 24,
        "beats_per_participant_day": single.beats / n,
        "target_s": TARGET_S,
        "malloc_tuned": tuned,
        "load_average_1m_at_start": load_start[0],
        "load_average_1m_at_end": os.getloadavg()[0],
        "generation_s_not_timed": generation_s,
        "single": {
            "rules_s": single.rules_s,
            "rules_ms_per_participant_day": 1000.0 * single.rules_s / n,
            "rules_cpu_s": single.rules_cpu_s,
            "rules_cpu_ms_per_participant_day": 1000.0 * single.rules_cpu_s / n,
        },
        "parallel": {
            "processes": args.processes,
            "participants_per_task": args.chunk,
            "wall_s": par_wall,
            "meets_target": par_wall < TARGET_S,
            "workers_cpu_s": (cpu1.children_user + cpu1.children_system)
            - (cpu0.children_user + cpu0.children_system),
            "rules_cpu_ms_per_participant_day": 1000.0 * par.rules_cpu_s / n,
            "cpu_utilisation": par.rules_cpu_s / (par_wall * args.processes),
            "same_findings_as_single": par.findings == single.findings,
        },
        "tick": {
            "heart_span_min": TICK_HEART_S / 60.0,
            "cgm_span_min": TICK_CGM_S / 60.0,
            "all_participants_s": single.tick_s,
            "ms_per_participant": 1000.0 * single.tick_s / n,
        },
        "stages_cpu_ms_per_participant_day": stages,
        "findings_by_rule": dict(sorted(single.findings.items())),
        "hrv": hrv,
    }
    _log(json.dumps(report, indent=2))
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
