"""Agreement of analytics.glycemic with iglu 4.3.0 on the Hall 2018 reference data.

Reports the maximum relative error against every golden value (per metric and
overall, across all 19 subjects), the AGP quantile error and the episode agreement
for subject 1636-69-001 (docs/data.md "Hall 2018"), and the run time.

Usage::

    python -m bench.cgm [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

from analytics.glycemic import (
    METRIC_KEYS,
    agp_percentiles,
    cgm_metrics,
    glucose_episodes,
)
from bench._data import add_data_argument

EDGE_SUBJECT = "1636-69-001"
GOLDEN_LEVELS = {
    ("hypo", "lv1"): "lv1_hypo",
    ("hypo", "lv2"): "lv2_hypo",
    ("hypo", "extended"): "ext_hypo",
    ("hyper", "lv1"): "lv1_hyper",
    ("hyper", "lv2"): "lv2_hyper",
    ("hypo", "lv1_excl"): "lv1_hypo_excl",
    ("hyper", "lv1_excl"): "lv1_hyper_excl",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def utc64(times: pd.Series) -> np.ndarray:
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()


def rel_err(got: float, want: float) -> float:
    if np.isnan(want) and np.isnan(got):
        return 0.0
    return float(abs(got - want) / max(abs(want), 1e-300)) if want != 0 else float(abs(got))


def metric_agreement(hall: pd.DataFrame, golden: pd.DataFrame) -> dict[str, object]:
    worst = dict.fromkeys(METRIC_KEYS, 0.0)
    worst_subject = dict.fromkeys(METRIC_KEYS, "")
    started = time.perf_counter()
    for n, (sid, rows) in enumerate(hall.groupby("id", sort=True), 1):
        got = cgm_metrics(utc64(rows["time"]), rows["gl"].to_numpy(dtype=float), "EST")
        for key in METRIC_KEYS:
            err = rel_err(got[key], float(golden.loc[sid, key]))
            if err >= worst[key]:
                worst[key], worst_subject[key] = err, str(sid)
        log(f"metrics: subject {n}/{golden.shape[0]}")
    elapsed = time.perf_counter() - started
    return {
        "max_rel_err_per_metric": worst,
        "worst_subject_per_metric": worst_subject,
        "max_rel_err_overall": max(worst.values()),
        "subjects": int(golden.shape[0]),
        "seconds_all_subjects": elapsed,
    }


def agp_agreement(times: np.ndarray, gl: np.ndarray, golden: pd.DataFrame) -> dict[str, object]:
    profile = agp_percentiles(times, gl, "EST")
    want = golden[["X5.", "X25.", "X50.", "X75.", "X95."]].to_numpy()
    return {
        "bins": int(want.shape[0]),
        "bins_match": bool(np.array_equal(profile.minute_of_day, golden["minute"].to_numpy())),
        "max_abs_err_mg_dl": float(np.nanmax(np.abs(profile.glucose_mg_dl - want))),
        "max_rel_err": float(np.nanmax(np.abs(profile.glucose_mg_dl - want) / np.abs(want))),
    }


def episode_agreement(
    times: np.ndarray, gl: np.ndarray, listed: pd.DataFrame, summary: pd.DataFrame
) -> dict[str, object]:
    report = glucose_episodes(times, gl, "EST")
    got = {
        (
            e.episode_type,
            e.start.strftime("%Y-%m-%d %H:%M:%S"),
            e.end.strftime("%Y-%m-%d %H:%M:%S"),
        ): e
        for e in report.episodes
    }
    want = {(r.episode_type, r.start, r.end): r for r in listed.itertuples()}
    common = set(got) & set(want)
    mean_err = max(
        (rel_err(got[k].mean_glucose_mg_dl, float(want[k].mean_gl)) for k in common), default=0.0
    )
    summary_err = 0.0
    counts_match = True
    for row in summary.itertuples():
        mine = report.summary[GOLDEN_LEVELS[(row.type, row.level)]]
        counts_match &= mine.total_episodes == row.total_episodes
        summary_err = max(
            summary_err,
            rel_err(mine.avg_ep_per_day, row.avg_ep_per_day),
            rel_err(mine.avg_ep_duration_min, row.avg_ep_duration),
            rel_err(mine.avg_ep_glucose_mg_dl, row.avg_ep_gl),
        )
    return {
        "golden_episodes": len(want),
        "found_episodes": len(got),
        "matching_type_start_end": len(common),
        "max_rel_err_episode_mean_gl": mean_err,
        "summary_counts_match": bool(counts_match),
        "summary_max_rel_err": summary_err,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_argument(parser)
    parser.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    args = parser.parse_args()
    base = args.data_dir / "cgm" / "hall_iglu"
    hall = pd.read_csv(base / "example_data_hall.csv", parse_dates=["time"])
    hall["time"] = hall["time"].dt.tz_localize("EST")  # README 4a: naive wall clock in EST
    golden = pd.read_csv(base / "golden_iglu_example_data_hall.csv").set_index("id")
    edge = hall[hall["id"] == EDGE_SUBJECT]
    times, gl = utc64(edge["time"]), edge["gl"].to_numpy(dtype=float)
    results = {
        "metrics": metric_agreement(hall, golden),
        "agp": agp_agreement(
            times, gl, pd.read_csv(base / f"golden_iglu_agp_quantiles_hall_{EDGE_SUBJECT}.csv")
        ),
        "episodes": episode_agreement(
            times,
            gl,
            pd.read_csv(base / f"golden_iglu_episode_list_hall_{EDGE_SUBJECT}.csv"),
            pd.read_csv(base / f"golden_iglu_episodes_hall_{EDGE_SUBJECT}.csv"),
        ),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    m = results["metrics"]
    print(
        f"metrics: max relative error over {m['subjects']} subjects = "
        f"{m['max_rel_err_overall']:.2e}"
    )
    for key, err in m["max_rel_err_per_metric"].items():  # type: ignore[attr-defined]
        print(f"  {key:16s} {err:.2e}  ({m['worst_subject_per_metric'][key]})")  # type: ignore[index]
    print(f"  time for all subjects: {m['seconds_all_subjects']:.2f} s")
    print(f"AGP: {results['agp']}")
    print(f"episodes: {results['episodes']}")


if __name__ == "__main__":
    main()
