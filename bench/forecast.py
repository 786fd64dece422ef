"""30-min glucose forecast benchmark, and the fit of the forecast's population experts.

Protocol (docs/data.md "Baselines"): subject-level 50/50 split per dataset
(training ids = ``np.random.default_rng(0).choice(sorted_ids, n // 2, replace=False)``);
each subject on a regular grid at its native step (times rounded, duplicates dropped,
missing steps NaN); windows = the last 30 min on that grid plus the value 30 min
later, windows with any NaN dropped; population AR = least squares with an intercept
on the training subjects' windows. The project forecast is scored on the same test
windows, using each test subject's raw readings (it never sees training subjects'
data at run time; its coefficients were fitted on training subjects only).

Usage::

    python -m bench.forecast [--data DIR] [--json]
    python -m bench.forecast --fit   # refit experts -> analytics/glycemic/_forecast_params.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.clinical_constants import LOW_MG_DL
from analytics.glycemic import forecast, predicted_low
from analytics.glycemic.forecast import (
    baseline_experts,
    bridged,
    history_features,
    mixture_forecast,
)
from bench._data import ROOT as REPO
from bench._data import add_data_argument

# azt1d_15min: the AZT1D subjects with every third reading only, a 15-min (Libre-like)
# sensor; its split is azt1d's, and it is scored, never used for fitting.
DATASETS = ("d1namo", "simglucose", "colas", "azt1d")
SCORED = (*DATASETS, "azt1d_15min")
HISTORY_MIN = 30
HORIZON_MIN = 30
FIT_HORIZONS = tuple(range(5, 61, 5))
KAPPA_GRID = (0.05, 0.1, 0.2, 0.5)
CV_FOLDS = 4
RIDGE = 1e-3  # on the per-dataset mean squared error; keeps the normal equations regular
PARAMS_PATH = REPO / "analytics" / "glycemic" / "_forecast_params.py"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Subject:
    t_s: np.ndarray  # raw reading times, epoch seconds (naive clock read as UTC)
    gl: np.ndarray
    step_min: int


def load(data_dir: Path) -> dict[str, dict[str, Subject]]:
    """Subjects per dataset (README sections 4b, 4c, 5)."""
    frames = {
        "d1namo": (
            pd.read_csv(
                data_dir / "cgm/d1namo/Dubosson2018_processed.csv",
                parse_dates=["time"],
                dtype={"id": str},
            ),
            5,
        ),
        "simglucose": (
            pd.read_csv(
                data_dir / "simglucose/simglucose_30patients_3d_seeded.csv.gz",
                parse_dates=["time"],
            ).rename(columns={"CGM": "gl"}),
            3,
        ),
        "colas": (
            pd.read_csv(data_dir / "cgm/colas2019/Colas2019_processed.zip", parse_dates=["time"]),
            5,
        ),
        # AZT1D (Khamesian et al. 2025; CC BY 4.0): older adults with T1D, Dexcom G6.
        "azt1d": (
            pd.read_csv(data_dir / "cgm/azt1d/azt1d_dev.csv.gz", parse_dates=["time"]),
            5,
        ),
    }
    out: dict[str, dict[str, Subject]] = {}
    for name, (frame, step) in frames.items():
        frame["id"] = frame["id"].astype(str)
        frame = frame.sort_values(["id", "time"], kind="stable")
        out[name] = {
            sid: Subject(
                (rows["time"] - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy(),
                rows["gl"].to_numpy(dtype=float),
                step,
            )
            for sid, rows in frame.groupby("id", sort=True)
        }
    out["azt1d_15min"] = {
        sid: Subject(s.t_s[::3], s.gl[::3], 15) for sid, s in out["azt1d"].items()
    }
    return out


def split(ids: list[str], seed: int = 0) -> tuple[list[str], list[str]]:
    ordered = sorted(ids)
    train = set(np.random.default_rng(seed).choice(ordered, len(ordered) // 2, replace=False))
    return [i for i in ordered if i in train], [i for i in ordered if i not in train]


def unique_increasing(s: Subject) -> tuple[np.ndarray, np.ndarray]:
    """Raw readings with exact duplicate times removed (first kept)."""
    keep = np.r_[True, np.diff(s.t_s) > 0]
    return s.t_s[keep], s.gl[keep]


@dataclass
class Windows:
    x: np.ndarray  # (n, history points) on the native grid, oldest first
    y: np.ndarray  # value at +horizon
    reading: np.ndarray  # index of the raw (deduplicated) reading at the window's end


def windows(s: Subject, horizon_min: int = HORIZON_MIN) -> Windows:
    """README section 6 windows on the native-step grid."""
    t, g = unique_increasing(s)
    step_s = s.step_min * 60.0
    slot = np.round(t / step_s).astype(np.int64)
    first = np.r_[True, np.diff(slot) != 0]  # duplicates after rounding: keep the first
    slot, idx = slot[first], np.flatnonzero(first)
    grid = np.full(slot[-1] - slot[0] + 1, np.nan)
    reading = np.full(grid.size, -1)
    grid[slot - slot[0]] = g[idx]
    reading[slot - slot[0]] = idx
    n_hist, n_ahead = HISTORY_MIN // s.step_min, horizon_min // s.step_min
    if grid.size < n_hist + n_ahead:
        return Windows(np.empty((0, n_hist)), np.empty(0), np.empty(0, dtype=int))
    x = np.lib.stride_tricks.sliding_window_view(grid, n_hist)[: grid.size - n_ahead - n_hist + 1]
    y = grid[n_hist - 1 + n_ahead :]
    end = reading[n_hist - 1 : grid.size - n_ahead]
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
    return Windows(x[ok], y[ok], end[ok])


def fit_ar(train: list[Windows]) -> np.ndarray:
    x = np.vstack([w.x for w in train])
    y = np.concatenate([w.y for w in train])
    design = np.column_stack([x, np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return np.asarray(coef)


def predict_ar(coef: np.ndarray, w: Windows) -> np.ndarray:
    return np.asarray(np.column_stack([w.x, np.ones(len(w.x))]) @ coef)


def linear_extrapolation(w: Windows, step_min: int) -> np.ndarray:
    """Least-squares line through the 30-min history, evaluated 30 min after its end."""
    minutes = np.arange(w.x.shape[1]) * step_min
    centred = minutes - minutes.mean()
    slope = (w.x - w.x.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
    return np.asarray(w.x.mean(axis=1) + slope * (centred[-1] + HORIZON_MIN))


def damped_trend(w: Windows, step_min: int) -> np.ndarray:
    """y(t) + 0.5 (y(t) - y(t - 15 min)) on the native grid."""
    back = 15 // step_min
    return np.asarray(w.x[:, -1] + 0.5 * (w.x[:, -1] - w.x[:, -1 - back]))


def scores(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    err = pred - truth
    actual, flagged = truth < LOW_MG_DL, pred < LOW_MG_DL
    tp = int(np.sum(actual & flagged))
    return {
        "rmse_mg_dl": float(np.sqrt(np.mean(err**2))),
        "mae_mg_dl": float(np.mean(np.abs(err))),
        "low_sensitivity": tp / max(int(actual.sum()), 1),
        "low_ppv": tp / max(int(flagged.sum()), 1),
        "n_windows": int(truth.size),
    }


def evaluate(
    data: dict[str, dict[str, Subject]], seed: int = 0, experts: dict[int, np.ndarray] | None = None
) -> dict[str, Any]:
    """Score every method on the test halves; ``experts`` replaces the shipped ones."""
    results: dict[str, Any] = {}
    for name in SCORED:
        subjects = data[name]
        train_ids, test_ids = split(list(subjects), seed)
        coef = fit_ar([windows(subjects[i]) for i in train_ids])
        preds: dict[str, list[np.ndarray]] = {
            k: []
            for k in (
                "zero_order_hold",
                "damped_trend",
                "linear_extrapolation",
                "population_ar",
                "wearmon",
            )
        }
        rule_flags, truths, missing = [], [], []
        started = time.perf_counter()
        for n, sid in enumerate(test_ids, 1):
            s = subjects[sid]
            w = windows(s)
            t, g = unique_increasing(s)
            times = (t * 1e6).astype("datetime64[us]")
            if experts is None:
                mine = forecast(times, g, horizon_min=HORIZON_MIN)
                rule_flags.append(predicted_low(times, g).flags[w.reading])
            else:
                rows = np.vstack([experts[HORIZON_MIN], baseline_experts(HORIZON_MIN)])
                mine = mixture_forecast(t, g, rows, HORIZON_MIN * 60.0)
                rule_flags.append(np.zeros(w.reading.size, dtype=bool))
            preds["zero_order_hold"].append(w.x[:, -1])
            preds["damped_trend"].append(damped_trend(w, s.step_min))
            preds["linear_extrapolation"].append(linear_extrapolation(w, s.step_min))
            preds["population_ar"].append(predict_ar(coef, w))
            # A missing forecast (segment too young) shows nothing; scored as hold so
            # that every method is scored on the same windows (counted below).
            preds["wearmon"].append(
                np.where(np.isnan(mine[w.reading]), w.x[:, -1], mine[w.reading])
            )
            missing.append(int(np.isnan(mine[w.reading]).sum()))
            truths.append(w.y)
            if n % 10 == 0 or n == len(test_ids):
                log(
                    f"{name}: {n}/{len(test_ids)} test subjects "
                    f"({time.perf_counter() - started:.1f} s)"
                )
        truth = np.concatenate(truths)
        per_method = {k: scores(np.concatenate(v), truth) for k, v in preds.items()}
        flags = np.concatenate(rule_flags)
        actual = truth < LOW_MG_DL
        per_method["wearmon"]["missing_forecasts"] = sum(missing)
        results[name] = {
            "train_subjects": len(train_ids),
            "test_subjects": len(test_ids),
            "low_prevalence": float(actual.mean()),
            "methods": per_method,
            "rmse_ratio_wearmon_to_ar": per_method["wearmon"]["rmse_mg_dl"]
            / per_method["population_ar"]["rmse_mg_dl"],
            "rmse_ratio_wearmon_to_best_simple": per_method["wearmon"]["rmse_mg_dl"]
            / min(
                per_method["zero_order_hold"]["rmse_mg_dl"],
                per_method["damped_trend"]["rmse_mg_dl"],
            ),
            "predicted_low_rule_within_30_min": {
                "sensitivity": float(np.sum(flags & actual) / max(actual.sum(), 1)),
                "ppv": float(np.sum(flags & actual) / max(flags.sum(), 1)),
            },
        }
    return results


# ----------------------------------------------------------------------------- fitting


def training_rows(s: Subject, horizon_min: int) -> tuple[np.ndarray, np.ndarray]:
    """(features, target - g(t)) for every reading with a full history and target."""
    t, g = unique_increasing(s)
    feats = history_features(t, g)
    target_t = t + horizon_min * 60.0
    target = np.interp(target_t, t, g)
    ok = np.isfinite(feats).all(axis=1) & bridged(target_t, t)
    return feats[ok], (target - g)[ok]


def ridge(blocks: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Least squares with each block (dataset) weighted to equal total weight."""
    lhs = sum(f.T @ f / len(f) for f, _ in blocks)
    rhs = sum(f.T @ r / len(f) for f, r in blocks)
    n_feat = blocks[0][0].shape[1]
    return np.asarray(np.linalg.solve(lhs + RIDGE * np.eye(n_feat), rhs))


def stack(
    data: dict[str, dict[str, Subject]], ids: dict[str, list[str]], h: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for name in DATASETS:
        rows = [training_rows(data[name][i], h) for i in ids[name]]
        out[name] = (np.vstack([r[0] for r in rows]), np.concatenate([r[1] for r in rows]))
    return out


def experts_from(blocks: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    rows = [ridge([blocks[name]]) for name in DATASETS]
    rows.append(ridge(list(blocks.values())))
    return np.vstack(rows)


def choose_kappa(
    data: dict[str, dict[str, Subject]], train: dict[str, list[str]]
) -> tuple[float, dict[float, float]]:
    """K-fold cross-validation over the training subjects only (30-min horizon).

    Criterion: the worst dataset's RMSE ratio to a population AR fitted on the same
    folds (the goal is to beat the AR on every dataset).
    """
    rng = np.random.default_rng(1)
    folds = {n: np.array_split(rng.permutation(train[n]), CV_FOLDS) for n in DATASETS}
    sq: dict[tuple[float, str], list[float]] = {}
    for f in range(CV_FOLDS):
        fit_ids = {
            n: [i for k, part in enumerate(folds[n]) if k != f for i in part] for n in DATASETS
        }
        experts = np.vstack(
            [experts_from(stack(data, fit_ids, HORIZON_MIN)), baseline_experts(HORIZON_MIN)]
        )
        for name in DATASETS:
            coef = fit_ar([windows(data[name][i]) for i in fit_ids[name]])
            for sid in folds[name][f]:
                s = data[name][sid]
                w = windows(s)
                t, g = unique_increasing(s)
                err_ar = predict_ar(coef, w) - w.y
                sq.setdefault((-1.0, name), []).extend(err_ar**2)
                for kappa in KAPPA_GRID:
                    mine = mixture_forecast(t, g, experts, HORIZON_MIN * 60.0, kappa)[w.reading]
                    sq.setdefault((kappa, name), []).extend((mine - w.y) ** 2)
        log(f"kappa CV fold {f + 1}/{CV_FOLDS} done")
    worst = {
        k: max(float(np.sqrt(np.mean(sq[(k, n)]) / np.mean(sq[(-1.0, n)]))) for n in DATASETS)
        for k in KAPPA_GRID
    }
    return min(worst, key=worst.__getitem__), worst


def fit(data: dict[str, dict[str, Subject]]) -> str:
    train = {name: split(list(data[name]))[0] for name in DATASETS}
    kappa, cv = choose_kappa(data, train)
    log(f"kappa={kappa} (CV worst-dataset RMSE ratio to AR: {cv})")
    coefficients = {}
    for h in FIT_HORIZONS:
        coefficients[h] = experts_from(stack(data, train, h))
        log(f"fitted horizon {h} min")
    return render_params(coefficients, kappa, cv, {n: len(v) for n, v in train.items()})


def render_params(
    coefs: dict[int, np.ndarray], kappa: float, cv: dict[float, float], n_train: dict[str, int]
) -> str:
    lines = [
        '"""Population experts of analytics.glycemic.forecast (GENERATED; do not edit).',
        "",
        "Generated by `python -m bench.forecast --fit` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        'Training data: the TRAINING halves only (docs/data.md "Baselines" split,',
        "np.random.default_rng(0)) of D1NAMO (Dubosson 2018, GlucoBench CSV; CC BY-SA 4.0),",
        "simglucose 0.2.11 seeded virtual patients (CGM column; MIT), Colas 2019",
        "(GlucoBench CSV; CC BY 4.0) and AZT1D (Khamesian 2025, Dexcom G6; CC BY 4.0):",
        ", ".join(f"{n} {k} subjects" for n, k in n_train.items()) + ".",
        "Experts (rows): one ridge least-squares AR per training cohort, then all cohorts",
        "with equal total weight. Columns follow forecast.history_features: 13 lag",
        "differences (2.5..30 min, 60 min), intercept, g(t), g(t) - running mean,",
        "hypo hinge, hyper hinge.",
        "Target: interpolated reading at t + horizon minus g(t).",
        f"KAPPA chosen by {CV_FOLDS}-fold CV over training subjects; worst-dataset RMSE ratio",
        "to a fold-fitted population AR per candidate:",
        *(f"    kappa={k}: {v:.5f}" for k, v in cv.items()),
        '"""',
        "",
        f"KAPPA = {kappa!r}",
        "# Variance floor (mg/dL)^2 of the gate: ~ CGM measurement noise (5 mg/dL)^2, so the",
        "# gate does not over-trust experts on nearly flat stretches.",
        "MSE_FLOOR_MG2_DL2 = 25.0",
        'EXPERTS = ("d1namo", "simglucose", "colas", "azt1d", "balanced")',
        "COEFFICIENTS: dict[int, tuple[tuple[float, ...], ...]] = {",
    ]
    for h, rows in coefs.items():
        lines.append(f"    {h}: (")
        for row in rows:
            lines.append("        (")
            lines.extend(f"            {float(v)!r}," for v in row)
            lines.append("        ),")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def robustness(data: dict[str, dict[str, Subject]], seeds: list[int], as_json: bool) -> None:
    """RMSE ratio wearmon / population AR per dataset, for several subject splits."""
    table: dict[int, dict[str, float]] = {}
    for seed in seeds:
        train = {name: split(list(data[name]), seed)[0] for name in DATASETS}
        experts = {HORIZON_MIN: experts_from(stack(data, train, HORIZON_MIN))}
        res = evaluate(data, seed, experts)
        table[seed] = {n: float(res[n]["rmse_ratio_wearmon_to_ar"]) for n in DATASETS}
        log(f"split seed {seed}: {table[seed]}")
    if as_json:
        print(json.dumps(table, indent=2))
        return
    for seed, ratios in table.items():
        print(f"seed {seed}: " + "  ".join(f"{n} {r:.4f}" for n, r in ratios.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_argument(parser)
    parser.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    parser.add_argument("--fit", action="store_true", help=f"refit experts into {PARAMS_PATH.name}")
    parser.add_argument(
        "--split-seeds",
        type=int,
        nargs="+",
        metavar="SEED",
        help="robustness check: for each seed, refit the experts in memory on that split's "
        "training halves (shipped KAPPA) and score its test halves; prints RMSE ratios to AR",
    )
    args = parser.parse_args()
    data = load(args.data_dir)
    if args.fit:
        PARAMS_PATH.write_text(fit(data))
        log(f"wrote {PARAMS_PATH}")
        return
    if args.split_seeds:
        robustness(data, args.split_seeds, args.json)
        return
    results = evaluate(data)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, res in results.items():
        lows_pct = 100 * res["low_prevalence"]
        print(f"\n{name}: {res['test_subjects']} test subjects, lows {lows_pct:.1f} %")
        for method, s in res["methods"].items():
            print(
                f"  {method:22s} RMSE {s['rmse_mg_dl']:6.2f}  MAE {s['mae_mg_dl']:6.2f}  "
                f"Se {s['low_sensitivity']:.3f}  PPV {s['low_ppv']:.3f}  n={s['n_windows']}"
            )
        rule = res["predicted_low_rule_within_30_min"]
        print(
            f"  RMSE ratio wearmon/AR {res['rmse_ratio_wearmon_to_ar']:.4f}; "
            f"wearmon/best of hold and damped trend "
            f"{res['rmse_ratio_wearmon_to_best_simple']:.4f}; "
            f"predicted-low rule Se {rule['sensitivity']:.3f} PPV {rule['ppv']:.3f}"
        )


if __name__ == "__main__":
    main()
