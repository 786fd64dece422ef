"""Benchmark of simulators.physiology: throughput, and realism against real recordings.

Throughput: 24 h of beats and CGM readings for a 20-participant cohort, compared in
the same run with a naive beat-by-beat Python loop over the same sinus RR function
(the baseline a straightforward implementation would use).

Realism (per 5-minute window medians, Task Force 1996 definitions):
* sinus HRV of the simulated healthy participants vs PhysioNet nsr2db nsr001 (a
  64-year-old woman, NN intervals only);
* RR irregularity in simulated AF vs the (AFIB segments of PhysioNet afdb;
* CGM of the simulated cohort vs the diabetic subjects of Hall et al. 2018 (iglu).

If analytics.cardiac is importable, its detect_af is also scored beat by beat on the
simulated healthy, frequent_ectopy, noisy_sensor and paroxysmal_af scenarios.

Usage::

    .venv/bin/python -m bench.physiology [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench._data import add_data_argument
from simulators.physiology import (
    GlucoseModel,
    HeartModel,
    HeartParams,
    Rhythm,
    cohort,
)
from simulators.physiology.sinus import mean_hr_bpm, modulation_ms, sinus_rr_ms, sinus_shape, vlf_ms

FloatArray = npt.NDArray[np.float64]
#: 2026-01-01T00:00+09:00, local midnight in Seoul.
START_S = 1_767_193_200.0
DAY_S = 86_400.0
WINDOW_S = 300.0


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _naive_beats(params: HeartParams, seed: int, start_s: float, duration_s: float) -> int:
    """Baseline: one Python iteration per beat, RR evaluated at the previous beat."""
    shape = sinus_shape(seed, params.vlf_sd_ms)
    t_s, count = start_s, 0
    while t_s < start_s + duration_s:
        at = np.array([t_s])
        hr = mean_hr_bpm(at, params, (), ())
        rr = sinus_rr_ms(hr, modulation_ms(at, at, params, shape) + vlf_ms(at, shape))
        t_s += float(rr[0]) / 1000.0
        count += 1
    return count


def throughput() -> dict[str, float]:
    people = cohort(20, seed=1)
    hearts = [HeartModel(p.heart, p.seed) for p in people]
    glucose = [GlucoseModel(p.glucose, p.seed) for p in people]
    _log("throughput: 20 participants x 24 h of beats ...")
    t0 = time.perf_counter()
    beats = sum(len(h.generate(START_S, DAY_S)) for h in hearts)
    heart_s = time.perf_counter() - t0
    _log("throughput: 20 participants x 24 h of CGM ...")
    t0 = time.perf_counter()
    readings = sum(len(g.generate(START_S, DAY_S)) for g in glucose)
    glucose_s = time.perf_counter() - t0
    _log("throughput: naive per-beat loop, 1 participant x 1 h ...")
    t0 = time.perf_counter()
    naive = _naive_beats(people[0].heart, people[0].seed, START_S, 3600.0)
    naive_per_beat_s = (time.perf_counter() - t0) / naive
    return {
        "heart_20x24h_s": heart_s,
        "beats": beats,
        "beats_per_s": beats / heart_s,
        "naive_beats_per_s": 1.0 / naive_per_beat_s,
        "speedup_vs_naive": beats / heart_s * naive_per_beat_s,
        "glucose_20x24h_s": glucose_s,
        "readings": readings,
        "realtime_factor_heart": 20 * DAY_S / heart_s,
    }


def _window_stats(beat_s: FloatArray, rr_ms: FloatArray) -> dict[str, float]:
    """Median over 5-min windows of mean HR, SDNN, RMSSD, pNN50 (% of successive diffs)."""
    rows = []
    edges = np.arange(beat_s[0], beat_s[-1], WINDOW_S)
    index = np.searchsorted(beat_s, edges)
    for lo, hi in itertools.pairwise(index):
        rr = rr_ms[lo:hi]
        if rr.size < 100:
            continue
        diff = np.diff(rr)
        rows.append(
            (
                60_000.0 / rr.mean(),
                rr.std(ddof=1),
                np.sqrt(np.mean(diff**2)),
                100.0 * np.mean(np.abs(diff) > 50.0),
                rr.std(ddof=1) / rr.mean(),
            )
        )
    med = np.median(np.asarray(rows), axis=0)
    keys = ("mean_hr_bpm", "sdnn_ms", "rmssd_ms", "pnn50_pct", "cv")
    return {k: float(v) for k, v in zip(keys, med, strict=True)}


def _clean(
    beat_s: FloatArray, rr_ms: FloatArray, keep: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """Keep intervals where ``keep`` holds for the beat and its predecessor (NN-style)."""
    both = keep[1:] & keep[:-1]
    return beat_s[1:][both], rr_ms[1:][both]


def sinus_realism(data: Path) -> dict[str, dict[str, float]]:
    import wfdb  # bench-only dependency

    _log("realism: nsr2db nsr001 ...")
    ann = wfdb.rdann(str(data / "nsr2db" / "nsr001"), "ecg")
    beat = np.isin(ann.symbol, ["N", "V", "A"])
    sample, symbol = ann.sample[beat], np.asarray(ann.symbol)[beat]
    t_s = sample / ann.fs
    real = _window_stats(*_clean(t_s, np.diff(t_s, prepend=np.nan) * 1000.0, symbol == "N"))
    _log("realism: simulated healthy participants ...")
    sims = []
    for person in cohort(20, seed=1):
        if person.scenario.name != "healthy":
            continue
        trace = HeartModel(person.heart, person.seed).generate(START_S, DAY_S)
        sims.append(_window_stats(*_clean(trace.beat_s, trace.rr_ms, trace.rhythm == Rhythm.SINUS)))
    sim = {k: float(np.median([s[k] for s in sims])) for k in real}
    return {"nsr001": real, "simulated_healthy": sim}


def af_realism(data: Path) -> dict[str, dict[str, float]]:
    import wfdb

    _log("realism: afdb (AFIB segments) ...")
    stats = []
    for path in sorted((data / "afdb").glob("*.qrs")):
        q, a = (
            wfdb.rdann(str(path.with_suffix("")), "qrs"),
            wfdb.rdann(str(path.with_suffix("")), "atr"),
        )
        t_s = q.sample / q.fs
        k = np.clip(np.searchsorted(a.sample, q.sample, side="right") - 1, 0, None)
        rhythm = np.array([s.rstrip("\x00") for s in a.aux_note])[k]
        in_af = rhythm == "(AFIB"
        if in_af.sum() > 1000:
            stats.append(_window_stats(*_clean(t_s, np.diff(t_s, prepend=np.nan) * 1000.0, in_af)))
    real = {k: float(np.median([s[k] for s in stats])) for k in stats[0]}
    _log("realism: simulated AF ...")
    sims = []
    for person in cohort(20, seed=1):
        if person.scenario.name != "paroxysmal_af":
            continue
        trace = HeartModel(person.heart, person.seed).generate(START_S, 3 * DAY_S)
        sims.append(_window_stats(*_clean(trace.beat_s, trace.rr_ms, trace.rhythm == Rhythm.AF)))
    sim = {k: float(np.median([s[k] for s in sims])) for k in real}
    return {"afdb_afib": real, "simulated_af": sim}


def _cgm_stats(values: FloatArray) -> dict[str, float]:
    steps = np.diff(values)
    steps = steps[np.isfinite(steps)]
    v = values[np.isfinite(values)]
    return {
        "mean_mg_dl": float(v.mean()),
        "cv_pct": float(100 * v.std(ddof=1) / v.mean()),
        "step_sd_mg_dl": float(steps.std()),
        "below_70_pct": float(100 * np.mean(v < 70)),
        "above_250_pct": float(100 * np.mean(v > 250)),
    }


def cgm_realism(data: Path) -> dict[str, dict[str, float]]:
    _log("realism: Hall 2018 diabetic subjects ...")
    by_id: dict[str, list[float]] = {}
    with (data / "cgm" / "hall_iglu" / "example_data_hall.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["diagnosis"] == "diabetic":
                by_id.setdefault(row["id"], []).append(float(row["gl"]))
    real_rows = [_cgm_stats(np.asarray(v)) for v in by_id.values()]
    real = {k: float(np.median([r[k] for r in real_rows])) for k in real_rows[0]}
    _log("realism: simulated cohort CGM (7 days) ...")
    sim_rows = []
    for person in cohort(20, seed=1):
        trace = GlucoseModel(person.glucose, person.seed).generate(START_S, 7 * DAY_S)
        sim_rows.append(_cgm_stats(trace.glucose_mg_dl))
    sim = {k: float(np.median([r[k] for r in sim_rows])) for k in real}
    return {"hall_diabetic": real, "simulated_cohort": sim}


def detector_check() -> dict[str, dict[str, float | None]] | None:
    """Beat-level Se/Sp of analytics.cardiac.detect_af on simulated scenarios, if present."""
    try:
        from analytics.cardiac import detect_af
    except ImportError:
        _log("analytics.cardiac.detect_af not importable; detector check skipped")
        return None
    from simulators.physiology import get_scenario

    results = {}
    for name in ("healthy", "frequent_ectopy", "noisy_sensor", "paroxysmal_af"):
        _log(f"detector: {name} (3 seeds x 24 h) ...")
        counts = np.zeros(4)
        for seed in range(3):
            trace = HeartModel(get_scenario(name).heart, seed).generate(START_S, DAY_S)
            pred, truth = detect_af(trace.rr_ms), trace.rhythm == Rhythm.AF
            counts += [
                np.sum(pred & truth),
                np.sum(~pred & truth),
                np.sum(~pred & ~truth),
                np.sum(pred & ~truth),
            ]
        tp, fn, tn, fp = counts
        results[name] = {
            "sensitivity": float(tp / (tp + fn)) if tp + fn else None,
            "specificity": float(tn / (tn + fp)),
        }
    return results


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"throughput": throughput()}
    if args.data_dir.is_dir():
        results["sinus"] = sinus_realism(args.data_dir)
        results["af"] = af_realism(args.data_dir)
        results["cgm"] = cgm_realism(args.data_dir)
    else:
        _log(f"no data directory at {args.data_dir}; realism comparisons skipped")
    detector = detector_check()
    if detector is not None:
        results["detect_af_on_simulated"] = detector
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for section, content in results.items():
        print(f"[{section}]")
        for key, value in content.items():
            if isinstance(value, dict):
                print(f"  {key}: " + ", ".join(f"{k}={_fmt(v)}" for k, v in value.items()))
            else:
                print(f"  {key}: {value:.4g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
