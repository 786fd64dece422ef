"""Glucose forecast benchmark: subject-grouped k-fold cross-validation on every cohort.

Protocol. Each development cohort (D1NAMO, simglucose, Colas, AZT1D; docs/data.md) is
split into ``--folds`` subject-disjoint folds (seeded); fold f of every cohort is held
out together while the forecast's population experts are refitted on the other folds
of all cohorts (:mod:`analytics.glycemic.forecast_fit`, the procedure that made the
shipped coefficients) and the population AR of each cohort on its own other folds.
A 15-min variant of AZT1D (every third reading, times as logged) follows AZT1D's folds
and is never fitted on.

Scoring. Every reading with a complete history is a window: the readings at
``t - k * step`` (k = 0 .. 30 min / step) matched within half a step (at most 3 min),
and the target, the reading nearest ``t + h`` within 3 min. Methods on the same
windows: zero-order hold ``y(t)``; the damped trend ``y(t) + (h / 60) (y(t) - y(t - 15))``
(``y(t) + 0.5 (y(t) - y(t - 15 min))`` at 30 min); least-squares linear
extrapolation of the 30-min history; a population AR (least squares with intercept on
the 30-min history); and wearmon's forecast from the subject's raw readings (a missing
forecast, in a segment's first 25 min, is scored as hold and counted). "Low" is a
target below 70 mg/dL; Se and PPV of "forecast < 70 at +30 min", the trade-off when
that cut-off moves, and the predicted-low rule (fold experts) are reported.

Plots (``--plot``, bench/out/): forecast_error_by_horizon.png,
forecast_error_by_range.png, forecast_low_tradeoff.png.

Usage::

    python -m bench.forecast [--data DIR] [--folds 5] [--json] [--plot]
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

from analytics.clinical_constants import LOW_MG_DL
from analytics.glycemic.forecast import (
    TARGET_MATCH_MIN,
    baseline_experts,
    history_features,
    matched_reading,
    mixture_forecast,
)
from analytics.glycemic.forecast_fit import fit_experts, stack
from analytics.glycemic.predicted_low import HORIZON_STEP_MIN, low_flags
from bench._cgm_data import COHORTS, FIFTEEN_MIN, Subject, folds, load
from bench._data import ROOT, add_data_argument

SCORED = (*COHORTS, FIFTEEN_MIN)
HISTORY_MIN = 30
HORIZON_MIN = 30
#: Horizons of the error-by-horizon plot: multiples of the 3-, 5- and 15-min steps.
PLOT_HORIZONS = (15, 30, 45, 60)
RULE_HORIZONS = tuple(range(HORIZON_STEP_MIN, HORIZON_MIN + 1, HORIZON_STEP_MIN))
CUTOFFS = np.arange(50.0, 121.0, 1.0)
RANGES = (("< 70", 0.0, 70.0), ("70-180", 70.0, 180.0), ("> 180", 180.0, np.inf))
METHODS = ("zero_order_hold", "damped_trend", "linear_extrapolation", "population_ar", "wearmon")
OUT = ROOT / "bench" / "out"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Windows:
    x: np.ndarray  # (n, history points), oldest first
    y: np.ndarray  # reading at t + h
    reading: np.ndarray  # index of the reading at t
    step_min: int


def windows(s: Subject, horizon_min: int) -> Windows:
    """Windows of one subject, readings matched to the native step (see module doc)."""
    n_hist = HISTORY_MIN // s.step_min
    tol = min(TARGET_MATCH_MIN, s.step_min / 2.0)
    offsets = -s.step_min * np.arange(n_hist - 1, -1, -1)
    hist = np.column_stack(
        [matched_reading(s.t_s, s.t_s + 60.0 * o, tol) for o in offsets]
        or [np.empty(s.t_s.size, dtype=int)]
    )
    target = matched_reading(s.t_s, s.t_s + 60.0 * horizon_min)
    ok = (hist >= 0).all(axis=1) & (target >= 0)
    return Windows(s.gl[hist[ok]], s.gl[target[ok]], np.flatnonzero(ok), s.step_min)


def fit_ar(train: list[Windows]) -> np.ndarray:
    x = np.vstack([w.x for w in train])
    y = np.concatenate([w.y for w in train])
    coef, *_ = np.linalg.lstsq(np.column_stack([x, np.ones(len(x))]), y, rcond=None)
    return np.asarray(coef)


def predict_ar(coef: np.ndarray, w: Windows) -> np.ndarray:
    return np.asarray(np.column_stack([w.x, np.ones(len(w.x))]) @ coef)


def linear_extrapolation(w: Windows, horizon_min: int) -> np.ndarray:
    """Least-squares line through the 30-min history, evaluated ``h`` after its end."""
    minutes = np.arange(w.x.shape[1]) * w.step_min
    centred = minutes - minutes.mean()
    slope = (w.x - w.x.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)
    return np.asarray(w.x.mean(axis=1) + slope * (centred[-1] + horizon_min))


def damped_trend(w: Windows, horizon_min: int) -> np.ndarray:
    """y(t) + (h / 60) (y(t) - y(t - 15 min)): 0.5 x the last 15-min change at 30 min."""
    back = 15 // w.step_min
    return np.asarray(w.x[:, -1] + horizon_min / 60.0 * (w.x[:, -1] - w.x[:, -1 - back]))


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


class Features:
    """history_features per subject, computed once."""

    def __init__(self, data: dict[str, dict[str, Subject]]) -> None:
        self.data = data
        self.cache: dict[tuple[str, str], np.ndarray] = {}

    def __call__(self, cohort: str, sid: str) -> np.ndarray:
        key = (cohort, sid)
        if key not in self.cache:
            s = self.data[cohort][sid]
            self.cache[key] = history_features(s.t_s, s.gl)
        return self.cache[key]


def fold_experts(
    data: dict[str, dict[str, Subject]], feats: Features, train: dict[str, list[str]], h: int
) -> np.ndarray:
    blocks = {}
    for name in COHORTS:
        rows = []
        for sid in train[name]:
            s = data[name][sid]
            f = feats(name, sid)
            match = matched_reading(s.t_s, s.t_s + h * 60.0)
            ok = np.isfinite(f).all(axis=1) & (match >= 0)
            rows.append((f[ok], s.gl[match[ok]] - s.gl[ok]))
        blocks[name] = stack(rows)
    return np.vstack([fit_experts(blocks), baseline_experts(h)])


def noisy(s: Subject, sd: float, seed: int) -> Subject:
    """``s`` with seeded Gaussian sensor noise added, kept within 40-400 mg/dL."""
    if sd <= 0:
        return s
    rng = np.random.default_rng(seed)
    return Subject(s.t_s, np.clip(s.gl + rng.normal(0.0, sd, s.gl.size), 40.0, 400.0), s.step_min)


def evaluate(
    data: dict[str, dict[str, Subject]], k: int, seed: int, noise_sd: float = 0.0
) -> dict[str, Any]:
    """Out-of-fold predictions of every method; returns per-cohort results.

    ``noise_sd`` > 0 adds that much Gaussian noise to the held-out subjects only (the
    experts and the AR are fitted on clean data): a shift the forecast was not fitted
    on, where it must fall back rather than lose to hold.
    """
    feats = Features(data)
    parts = {name: folds(list(data[name]), k, seed) for name in COHORTS}
    parts[FIFTEEN_MIN] = parts["azt1d"]
    horizons = sorted({*PLOT_HORIZONS, *RULE_HORIZONS})
    # per cohort, per horizon, per method: lists of out-of-fold predictions
    pred: dict[str, dict[int, dict[str, list[np.ndarray]]]] = {
        n: {h: {m: [] for m in METHODS} for h in PLOT_HORIZONS} for n in SCORED
    }
    truth: dict[str, dict[int, list[np.ndarray]]] = {
        n: {h: [] for h in PLOT_HORIZONS} for n in SCORED
    }
    rule: dict[str, list[np.ndarray]] = {n: [] for n in SCORED}
    missing = dict.fromkeys(SCORED, 0)
    # per cohort: subjects whose 30-min RMSE exceeds hold's / the damped trend's
    losing = {n: {"zero_order_hold": 0, "damped_trend": 0} for n in SCORED}
    started = time.perf_counter()
    for f in range(k):
        train = {n: [i for j, p in enumerate(parts[n]) if j != f for i in p] for n in SCORED}
        experts = {h: fold_experts(data, feats, train, h) for h in horizons}
        for name in SCORED:
            for h in PLOT_HORIZONS:
                ar = fit_ar([windows(data[name][i], h) for i in train[name]])
                for j, sid in enumerate(parts[name][f]):
                    s = noisy(data[name][sid], noise_sd, seed * 100_003 + f * 1009 + j)
                    w = windows(s, h)
                    mine = mixture_forecast(s.t_s, s.gl, experts[h], h * 60.0)[w.reading]
                    hold = w.x[:, -1]
                    out = pred[name][h]
                    out["zero_order_hold"].append(hold)
                    out["damped_trend"].append(damped_trend(w, h))
                    out["linear_extrapolation"].append(linear_extrapolation(w, h))
                    out["population_ar"].append(predict_ar(ar, w))
                    out["wearmon"].append(np.where(np.isnan(mine), hold, mine))
                    truth[name][h].append(w.y)
                    if h == HORIZON_MIN:
                        missing[name] += int(np.isnan(mine).sum())
                        mse = {m: float(np.mean((v[-1] - w.y) ** 2)) for m, v in out.items()}
                        for m in losing[name]:
                            losing[name][m] += int(w.y.size > 0 and mse["wearmon"] > mse[m])
                        by_h = np.vstack(
                            [
                                mixture_forecast(s.t_s, s.gl, experts[r], r * 60.0)
                                for r in RULE_HORIZONS
                            ]
                        )
                        rule[name].append(low_flags(s.t_s, by_h)[0][w.reading])
        log(f"fold {f + 1}/{k} done ({time.perf_counter() - started:.0f} s)")
    results: dict[str, Any] = {}
    for name in SCORED:
        y = {h: np.concatenate(truth[name][h]) for h in PLOT_HORIZONS}
        oof = {h: {m: np.concatenate(v) for m, v in pred[name][h].items()} for h in PLOT_HORIZONS}
        y30, p30 = y[HORIZON_MIN], oof[HORIZON_MIN]
        methods = {m: scores(p30[m], y30) for m in METHODS}
        methods["wearmon"]["missing_forecasts"] = missing[name]
        actual = y30 < LOW_MG_DL
        flags = np.concatenate(rule[name])
        best_simple = min(methods[m]["rmse_mg_dl"] for m in ("zero_order_hold", "damped_trend"))
        results[name] = {
            "subjects": len(data[name]),
            "low_prevalence": float(actual.mean()),
            "methods": methods,
            "ratio_to_best_of_hold_and_damped": methods["wearmon"]["rmse_mg_dl"] / best_simple,
            "ratio_to_population_ar": methods["wearmon"]["rmse_mg_dl"]
            / methods["population_ar"]["rmse_mg_dl"],
            "subjects_losing_to": losing[name],
            "predicted_low_rule": {
                "sensitivity": float(np.sum(flags & actual) / max(actual.sum(), 1)),
                "ppv": float(np.sum(flags & actual) / max(flags.sum(), 1)),
            },
            "rmse_by_horizon": {
                m: {h: float(np.sqrt(np.mean((oof[h][m] - y[h]) ** 2))) for h in PLOT_HORIZONS}
                for m in METHODS
            },
            "rmse_by_range": {
                m: {
                    label: float(np.sqrt(np.mean((p30[m] - y30)[(y30 >= lo) & (y30 < hi)] ** 2)))
                    if np.any((y30 >= lo) & (y30 < hi))
                    else float("nan")
                    for label, lo, hi in RANGES
                }
                for m in METHODS
            },
            "tradeoff": {
                m: [(float(c), *_se_ppv(p30[m] < c, actual)) for c in CUTOFFS]
                for m in ("zero_order_hold", "damped_trend", "population_ar", "wearmon")
            },
        }
    return results


def _se_ppv(flagged: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    tp = float(np.sum(flagged & actual))
    return tp / max(float(actual.sum()), 1.0), tp / max(float(flagged.sum()), 1.0)


def plot(results: dict[str, Any], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    names = list(results)
    shown = ("zero_order_hold", "damped_trend", "population_ar", "wearmon")

    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4), sharey=False)
    for ax, name in zip(axes, names, strict=True):
        for m in shown:
            by_h = results[name]["rmse_by_horizon"][m]
            ax.plot(list(by_h), list(by_h.values()), marker="o", label=m)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("horizon (min)")
    axes[0].set_ylabel("RMSE (mg/dL)")
    axes[0].legend(fontsize=7)
    fig.suptitle("Forecast error by horizon, out-of-fold (subject-grouped CV)", fontsize=10)
    fig.tight_layout()
    paths.append(out_dir / "forecast_error_by_horizon.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4))
    width = 0.2
    for ax, name in zip(axes, names, strict=True):
        for i, m in enumerate(shown):
            by_r = results[name]["rmse_by_range"][m]
            ax.bar(np.arange(len(by_r)) + (i - 1.5) * width, list(by_r.values()), width, label=m)
        ax.set_xticks(range(len(RANGES)), [r[0] for r in RANGES])
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("glucose at +30 min (mg/dL)")
    axes[0].set_ylabel("30-min RMSE (mg/dL)")
    axes[0].legend(fontsize=7)
    fig.suptitle("30-min forecast error by glucose range, out-of-fold", fontsize=10)
    fig.tight_layout()
    paths.append(out_dir / "forecast_error_by_range.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4))
    for ax, name in zip(axes, names, strict=True):
        for m in shown:
            curve = np.asarray(results[name]["tradeoff"][m])
            ax.plot(curve[:, 1], curve[:, 2], label=m)
            at70 = curve[np.argmin(np.abs(curve[:, 0] - LOW_MG_DL))]
            ax.plot([at70[1]], [at70[2]], "o", color=ax.lines[-1].get_color())
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("sensitivity")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("PPV")
    axes[0].legend(fontsize=7)
    fig.suptitle(
        '"< 70 mg/dL at +30 min": forecast cut-off 50-120 mg/dL (dot: 70), out-of-fold',
        fontsize=10,
    )
    fig.tight_layout()
    paths.append(out_dir / "forecast_low_tradeoff.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


def report(results: dict[str, Any], k: int, noise_sd: float) -> None:
    print(f"30-min forecast, {k}-fold subject-grouped cross-validation (out-of-fold)")
    if noise_sd > 0:
        print(f"held-out subjects with {noise_sd:g} mg/dL Gaussian noise added")
    for name, res in results.items():
        print(f"\n{name}: {res['subjects']} subjects, lows {100 * res['low_prevalence']:.1f} %")
        for method, s in res["methods"].items():
            print(
                f"  {method:22s} RMSE {s['rmse_mg_dl']:6.2f}  MAE {s['mae_mg_dl']:6.2f}  "
                f"Se {s['low_sensitivity']:.3f}  PPV {s['low_ppv']:.3f}  n={s['n_windows']}"
            )
        rule = res["predicted_low_rule"]
        print(
            f"  wearmon / best of hold and damped trend "
            f"{res['ratio_to_best_of_hold_and_damped']:.4f} (target <= 0.95); "
            f"wearmon / population AR {res['ratio_to_population_ar']:.4f}; "
            f"missing forecasts {res['methods']['wearmon']['missing_forecasts']}; "
            f"subjects worse than hold {res['subjects_losing_to']['zero_order_hold']}, "
            f"than damped trend {res['subjects_losing_to']['damped_trend']}; "
            f"predicted-low rule Se {rule['sensitivity']:.3f} PPV {rule['ppv']:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_argument(parser)
    parser.add_argument("--folds", type=int, default=5, help="subject-grouped folds (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="fold assignment seed (default 0)")
    parser.add_argument(
        "--noise-sd",
        type=float,
        default=0.0,
        help="add this much Gaussian noise (mg/dL) to the held-out subjects (default 0)",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    parser.add_argument("--plot", action="store_true", help="save plots under bench/out/")
    args = parser.parse_args()
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    data = load(args.data_dir)
    if args.noise_sd < 0:
        parser.error("--noise-sd must be >= 0")
    results = evaluate(data, args.folds, args.seed, args.noise_sd)
    if args.plot:
        for path in plot(results, OUT):
            log(f"plot saved to {path}")
    if args.json:
        print(json.dumps(results, indent=2))
        return
    report(results, args.folds, args.noise_sd)


if __name__ == "__main__":
    main()
