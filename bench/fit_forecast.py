"""Fit the forecast's population experts on every development subject.

Writes ``analytics/glycemic/_forecast_params.py`` (one expert per line, headed with
this command and the SHA-256 of the input files). The fitting itself is
:mod:`analytics.glycemic.forecast_fit`; ``python -m bench.forecast`` scores the same
procedure by subject-grouped cross-validation.

Usage::

    python -m bench.fit_forecast [--data DIR] [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from analytics.glycemic.forecast_fit import fit_experts, render_params, stack, training_rows
from bench._cgm_data import COHORTS, SOURCES, Subject, input_sha256, load
from bench._data import ROOT, add_data_argument

HORIZONS = tuple(range(5, 61, 5))
PARAMS_PATH = ROOT / "analytics" / "glycemic" / "_forecast_params.py"
COMMAND = "python -m bench.fit_forecast"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fit_horizon(cohorts: dict[str, dict[str, Subject]], horizon_min: int) -> np.ndarray:
    """Experts at one horizon from the given subjects of each cohort."""
    blocks = {
        name: stack([training_rows(s.t_s, s.gl, horizon_min) for s in subjects.values()])
        for name, subjects in cohorts.items()
    }
    return fit_experts(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_argument(parser)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the shipped file differs from a refit (nothing is written)",
    )
    args = parser.parse_args()
    data = load(args.data_dir)
    cohorts = {name: data[name] for name in COHORTS}
    coefficients = {}
    for n, h in enumerate(HORIZONS, 1):
        coefficients[h] = fit_horizon(cohorts, h)
        log(f"fitted horizon {h} min ({n}/{len(HORIZONS)})")
    text = render_params(
        coefficients,
        {name: len(subjects) for name, subjects in cohorts.items()},
        COMMAND,
        input_sha256(Path(args.data_dir)),
        SOURCES,
    )
    if args.check:
        same = PARAMS_PATH.read_text() == text
        log(f"{PARAMS_PATH} {'matches' if same else 'differs from'} a refit")
        raise SystemExit(0 if same else 1)
    PARAMS_PATH.write_text(text)
    log(f"wrote {PARAMS_PATH}")


if __name__ == "__main__":
    main()
