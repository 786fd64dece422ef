"""Benchmark of analytics.cardiac.detect_af on PhysioNet afdb, nsr2db nsr001 and mitdb 100.

Beat-level scoring (docs/clinical.md "How the AF detector is judged"): an RR interval
is positive when the rhythm in force at the beat that ends it is (AFIB; every other
rhythm ((N, (AFL, (J) is negative. Thresholds are chosen leave-one-record-out: for
each afdb record the threshold maximising pooled Se + Sp on the other 9 records is
applied to it. A Lian-style RdR-map baseline (NEC >= 40 in 64-RR windows, fixed
cut-off from docs/data.md "Baselines") runs on the same data for comparison.

Usage::

    .venv/bin/python -m bench.af [--data DIR] [--json] [--plot]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import wfdb

from analytics.cardiac import AFDetectorParams, af_episodes, af_score, detect_af
from bench._data import add_data_argument

REPO = Path(__file__).resolve().parents[1]
AFDB_RECORDS = (
    "00735", "03665", "04015", "04043", "04048", "04126", "04746", "04908", "04936", "05091",
)  # fmt: skip
THRESHOLDS = np.geomspace(0.003, 0.2, 600)
# Lian et al., Am J Cardiol 2011: NEC over 25 ms x 25 ms cells; cut-off NEC >= 40 for
# 64-RR windows as measured in docs/data.md "Baselines".
LIAN_WINDOW, LIAN_CELL_MS, LIAN_NEC = 64, 25.0, 40
# 00735 and 03665 are annotation-only records (no ECG on PhysioNet, docs/data.md); most
# published afdb results use only the records with signals, so they are also reported.
WITH_SIGNAL = tuple(r for r in AFDB_RECORDS if r not in ("00735", "03665"))


@dataclass
class Record:
    name: str
    rr_ms: npt.NDArray[np.float64]
    rhythm: npt.NDArray[np.str_]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_afdb(data: Path, name: str) -> Record:
    q = wfdb.rdann(str(data / "afdb" / name), "qrs")
    a = wfdb.rdann(str(data / "afdb" / name), "atr")
    rr = np.diff(q.sample) / q.fs * 1000.0
    k = np.searchsorted(a.sample, q.sample[1:], side="right") - 1
    aux = np.array([s.rstrip("\x00") for s in a.aux_note])
    return Record(name, rr, aux[np.clip(k, 0, None)])


def load_beats(path: Path, ext: str, name: str) -> Record:
    ann = wfdb.rdann(str(path), ext)
    beat = np.isin(ann.symbol, ["N", "V", "A"])  # drop '~' and rhythm marks (docs/data.md)
    rr = np.diff(ann.sample[beat]) / ann.fs * 1000.0
    return Record(name, rr, np.full(rr.size, "(N"))


def counts(score: npt.NDArray[np.float64], positive: npt.NDArray[np.bool_]) -> np.ndarray:
    """TP, FN, TN, FP at every threshold in THRESHOLDS (score > threshold is AF)."""
    ok = ~np.isnan(score)
    s, pos = score[ok], positive[ok]
    pos_sorted, neg_sorted = np.sort(s[pos]), np.sort(s[~pos])
    fn = np.searchsorted(pos_sorted, THRESHOLDS, side="right")
    tn = np.searchsorted(neg_sorted, THRESHOLDS, side="right")
    tp, fp = pos_sorted.size - fn, neg_sorted.size - tn
    # Unscorable beats (artefacts) are labelled non-AF by detect_af.
    fn = fn + int((positive & ~ok).sum())
    tn = tn + int((~positive & ~ok).sum())
    return np.stack([tp, fn, tn, fp], axis=1).astype(np.int64)


def se_sp(c: np.ndarray) -> tuple[float, float]:
    tp, fn, tn, fp = (float(v) for v in c)
    return tp / max(tp + fn, 1.0), tn / max(tn + fp, 1.0)


def loo(scores: dict[str, np.ndarray], truth: dict[str, np.ndarray]) -> dict[str, Any]:
    per = {r: counts(scores[r], truth[r]) for r in scores}
    total = np.sum(list(per.values()), axis=0)
    rows, pooled = [], np.zeros(4, dtype=np.int64)
    for r, c in per.items():
        other = total - c
        j = int(np.argmax([sum(se_sp(row)) for row in other]))
        pooled += c[j]
        se, sp = se_sp(c[j])
        rows.append(
            {
                "record": r,
                "threshold": float(THRESHOLDS[j]),
                "se": se,
                "sp": sp,
                "n_af": int(c[j][0] + c[j][1]),
                "n_other": int(c[j][2] + c[j][3]),
            }
        )
    se, sp = se_sp(pooled)
    best = float(THRESHOLDS[int(np.argmax([sum(se_sp(row)) for row in total]))])
    return {
        "records": rows,
        "pooled": {"se": se, "sp": sp, "counts": pooled.tolist()},
        "all_records_best_threshold": best,
    }


def fixed(
    scores: dict[str, np.ndarray], truth: dict[str, np.ndarray], thr: float
) -> dict[str, Any]:
    pooled = np.zeros(4, dtype=np.int64)
    for r in scores:
        lab = ~np.isnan(scores[r]) & (np.nan_to_num(scores[r]) > thr)
        y = truth[r]
        pooled += [
            int((lab & y).sum()),
            int((~lab & y).sum()),
            int((~lab & ~y).sum()),
            int((lab & ~y).sum()),
        ]
    se, sp = se_sp(pooled)
    return {"threshold": thr, "se": se, "sp": sp}


def lian_labels(rr_ms: np.ndarray) -> np.ndarray:
    """Lian RdR-map baseline: every RR of a 64-RR window takes the window's decision."""
    out = np.zeros(rr_ms.size, dtype=bool)
    drr = np.diff(rr_ms, prepend=rr_ms[:1])
    for s in range(0, rr_ms.size - LIAN_WINDOW + 1, LIAN_WINDOW):
        cells = np.floor(np.c_[rr_ms[s : s + LIAN_WINDOW], drr[s : s + LIAN_WINDOW]] / LIAN_CELL_MS)
        out[s : s + LIAN_WINDOW] = np.unique(cells, axis=0).shape[0] >= LIAN_NEC
    return out


def specificity(labels: np.ndarray) -> float:
    return float(1.0 - labels.mean()) if labels.size else float("nan")


def false_alarms_per_hour(rec: Record, labels: np.ndarray) -> float:
    hours = rec.rr_ms.sum() / 3.6e6
    return float(len(af_episodes(labels, rec.rr_ms)) / hours)


def evaluate(data: Path) -> dict[str, Any]:
    params = AFDetectorParams()
    afdb = []
    for name in AFDB_RECORDS:
        _log(f"loading afdb {name}")
        afdb.append(load_afdb(data, name))
    nsr = load_beats(data / "nsr2db" / "nsr001", "ecg", "nsr001")
    mit = load_beats(data / "mitdb" / "100", "atr", "mitdb100")
    scores, t0 = {}, time.perf_counter()
    for rec in afdb:
        _log(f"scoring {rec.name} ({rec.rr_ms.size} beats)")
        scores[rec.name] = af_score(rec.rr_ms)
    elapsed = time.perf_counter() - t0
    n_beats = sum(r.rr_ms.size for r in afdb)
    afib = {r.name: r.rhythm == "(AFIB" for r in afdb}
    af_or_afl = {r.name: np.isin(r.rhythm, ["(AFIB", "(AFL"]) for r in afdb}
    t1 = time.perf_counter()
    nsr_labels = detect_af(nsr.rr_ms)
    t_nsr = time.perf_counter() - t1
    mit_labels = detect_af(mit.rr_ms)
    lian = {r.name: lian_labels(r.rr_ms) for r in afdb}
    lian_pooled = np.zeros(4, dtype=np.int64)
    for r in afdb:
        lab, y = lian[r.name], afib[r.name]
        lian_pooled += [
            int((lab & y).sum()),
            int((~lab & y).sum()),
            int((~lab & ~y).sum()),
            int((lab & ~y).sum()),
        ]
    lian_se, lian_sp = se_sp(lian_pooled)
    nsr_lian = lian_labels(nsr.rr_ms)
    return {
        "afdb_afib_loo": loo(scores, afib),
        "afdb_afib_or_afl_loo": loo(scores, af_or_afl)["pooled"],
        "afdb_with_signal_loo": loo(
            {r: scores[r] for r in WITH_SIGNAL}, {r: afib[r] for r in WITH_SIGNAL}
        )["pooled"],
        "afdb_default_threshold": fixed(scores, afib, params.threshold),
        "nsr001": {
            "beats": int(nsr.rr_ms.size),
            "sp": specificity(nsr_labels),
            "false_af_episodes_per_hour": false_alarms_per_hour(nsr, nsr_labels),
            "hours": float(nsr.rr_ms.sum() / 3.6e6),
        },
        "mitdb100": {
            "beats": int(mit.rr_ms.size),
            "sp": specificity(mit_labels),
            "false_af_episodes_per_hour": false_alarms_per_hour(mit, mit_labels),
        },
        "baseline_lian_nec64": {
            "afdb_se": lian_se,
            "afdb_sp": lian_sp,
            "nsr001_sp": specificity(nsr_lian),
            "nsr001_false_af_episodes_per_hour": false_alarms_per_hour(nsr, nsr_lian),
        },
        "speed": {
            "afdb_beats": n_beats,
            "afdb_seconds": elapsed,
            "beats_per_s": n_beats / elapsed,
            "nsr001_22h_seconds": t_nsr,
        },
        "_plot": (afdb, scores, nsr, params.threshold),
    }


def plot(result: dict[str, Any], out_dir: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    afdb, scores, nsr, thr = result["_plot"]
    fig, axes = plt.subplots(len(afdb) + 1, 1, figsize=(12, 2.0 * (len(afdb) + 1)), sharey=True)
    for ax, rec in zip(axes, afdb, strict=False):
        t_h = np.cumsum(rec.rr_ms) / 3.6e6
        ax.plot(t_h, scores[rec.name], lw=0.4, color="k")
        ax.fill_between(t_h, 0, 0.2, where=rec.rhythm == "(AFIB", color="tab:red", alpha=0.2)
        ax.axhline(thr, color="tab:blue", lw=0.8)
        ax.set_ylabel(rec.name)
    t_h = np.cumsum(nsr.rr_ms) / 3.6e6
    axes[-1].plot(t_h, af_score(nsr.rr_ms), lw=0.4, color="k")
    axes[-1].axhline(thr, color="tab:blue", lw=0.8)
    axes[-1].set_ylabel("nsr001")
    axes[-1].set_xlabel("hours (red: annotated AFIB; blue: default threshold)")
    axes[0].set_ylim(0, 0.15)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "af_scores.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def report(r: dict[str, Any]) -> None:
    loo_r = r["afdb_afib_loo"]
    print("afdb beat-level, (AFIB positive, threshold chosen leave-one-record-out")
    print(f"{'record':>8} {'thr':>7} {'Se%':>7} {'Sp%':>7} {'n_AF':>7} {'n_other':>8}")
    for row in loo_r["records"]:
        print(
            f"{row['record']:>8} {row['threshold']:7.4f} {100 * row['se']:7.2f} "
            f"{100 * row['sp']:7.2f} {row['n_af']:7d} {row['n_other']:8d}"
        )
    p = loo_r["pooled"]
    print(f"{'pooled':>8} {'':7} {100 * p['se']:7.2f} {100 * p['sp']:7.2f}")
    best = loo_r["all_records_best_threshold"]
    print(f"(threshold maximising Se + Sp on all 10 records: {best:.4f})")
    q = r["afdb_afib_or_afl_loo"]
    print(f"AFL also counted as AF, LOO pooled: Se {100 * q['se']:.2f}  Sp {100 * q['sp']:.2f}")
    w = r["afdb_with_signal_loo"]
    print(
        f"8 records with ECG signals (no 00735, 03665), LOO among them: Se {100 * w['se']:.2f}  "
        f"Sp {100 * w['sp']:.2f}"
    )
    d = r["afdb_default_threshold"]
    print(
        f"default threshold {d['threshold']} (in-sample): Se {100 * d['se']:.2f}  "
        f"Sp {100 * d['sp']:.2f}"
    )
    n, m, b, s = r["nsr001"], r["mitdb100"], r["baseline_lian_nec64"], r["speed"]
    print(
        f"nsr001 ({n['hours']:.1f} h): Sp {100 * n['sp']:.2f}  false AF episodes/h "
        f"{n['false_af_episodes_per_hour']:.3f}"
    )
    print(
        f"mitdb 100: Sp {100 * m['sp']:.2f}  false AF episodes/h "
        f"{m['false_af_episodes_per_hour']:.3f}"
    )
    print(
        f"baseline Lian NEC>=40/64RR: afdb Se {100 * b['afdb_se']:.2f} Sp "
        f"{100 * b['afdb_sp']:.2f}; nsr001 Sp {100 * b['nsr001_sp']:.2f} "
        f"({b['nsr001_false_af_episodes_per_hour']:.3f} false episodes/h)"
    )
    print(
        f"ratio vs baseline: afdb Sp error {(1 - d['sp']) / max(1 - b['afdb_sp'], 1e-9):.2f}x, "
        f"nsr001 Sp error {(1 - n['sp']) / max(1 - b['nsr001_sp'], 1e-9):.2f}x"
    )
    print(
        f"speed: {s['beats_per_s']:,.0f} beats/s; nsr001 22.6 h in {s['nsr001_22h_seconds']:.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(ap)
    ap.add_argument("--json", action="store_true", help="print a JSON object on stdout")
    ap.add_argument("--plot", action="store_true", help="save bench/out/af_scores.png")
    args = ap.parse_args(argv)
    if not (args.data_dir / "afdb").is_dir():
        _log(f"no afdb under {args.data_dir}; pass --data-dir pointing at shared/data")
        return 2
    result = evaluate(args.data_dir)
    if args.plot:
        _log(f"plot saved to {plot(result, REPO / 'bench' / 'out')}")
    result.pop("_plot")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
