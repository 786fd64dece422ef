"""CGM development cohorts of the forecast benchmark and fitter (docs/data.md).

Each subject's readings are kept as measured (times as UTC epoch seconds of the naive
clock, exact duplicate times dropped, first kept); subject-grouped folds are drawn
per cohort so every fold holds subjects of every cohort.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Cohorts used for fitting and scoring, with their file under the data directory and
#: nominal sensor step (min).
FILES = {
    "d1namo": ("cgm/d1namo/Dubosson2018_processed.csv", 5),
    "simglucose": ("simglucose/simglucose_30patients_3d_seeded.csv.gz", 3),
    "colas": ("cgm/colas2019/Colas2019_processed.zip", 5),
    # AZT1D (Khamesian et al. 2025; CC BY 4.0): older adults with T1D, Dexcom G6.
    "azt1d": ("cgm/azt1d/azt1d_dev.csv.gz", 5),
}
COHORTS = tuple(FILES)
#: Licence lines for the generated coefficients file.
SOURCES = (
    "d1namo: D1NAMO (Dubosson 2018), GlucoBench CSV; CC BY-SA 4.0",
    "simglucose: simglucose 0.2.11 seeded virtual patients, CGM column; MIT",
    "colas: Colas 2019, GlucoBench CSV; CC BY 4.0",
    "azt1d: AZT1D (Khamesian 2025), Dexcom G6; CC BY 4.0",
)
#: A scored-only variant: AZT1D with every third reading, a 15-min (Libre-like) sensor
#: whose readings keep their logged (jittered) times; it follows azt1d's folds.
FIFTEEN_MIN = "azt1d_15min"


@dataclass(frozen=True)
class Subject:
    """One subject's readings."""

    t_s: np.ndarray  # strictly increasing, epoch seconds (naive clock read as UTC)
    gl: np.ndarray  # mg/dL
    step_min: int  # nominal sensor step


def _frame(data_dir: Path, name: str) -> pd.DataFrame:
    path = data_dir / FILES[name][0]
    if not path.exists():
        print(
            f"wearmon: error: {path} not found; pass --data DIR or set WEARMON_DATA "
            "(docs/data.md says where each dataset comes from)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    frame = pd.read_csv(path, parse_dates=["time"], dtype={"id": str})
    return frame.rename(columns={"CGM": "gl"}) if name == "simglucose" else frame


def load(data_dir: Path) -> dict[str, dict[str, Subject]]:
    """Subjects per cohort, plus the 15-min variant of AZT1D."""
    out: dict[str, dict[str, Subject]] = {}
    for name in COHORTS:
        frame = _frame(data_dir, name)
        frame["id"] = frame["id"].astype(str)
        frame = frame.sort_values(["id", "time"], kind="stable")
        step = FILES[name][1]
        subjects = {}
        for sid, rows in frame.groupby("id", sort=True):
            t = (rows["time"] - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy()
            g = rows["gl"].to_numpy(dtype=float)
            keep = np.r_[True, np.diff(t) > 0]
            subjects[str(sid)] = Subject(t[keep], g[keep], step)
        out[name] = subjects
    out[FIFTEEN_MIN] = {sid: Subject(s.t_s[::3], s.gl[::3], 15) for sid, s in out["azt1d"].items()}
    return out


def input_sha256(data_dir: Path) -> str:
    """SHA-256 over the cohort files' names and bytes, in cohort order."""
    digest = hashlib.sha256()
    for name in COHORTS:
        rel = FILES[name][0]
        digest.update(rel.encode())
        digest.update((data_dir / rel).read_bytes())
    return digest.hexdigest()


def folds(ids: list[str], k: int, seed: int = 0) -> list[list[str]]:
    """``k`` subject-disjoint folds of sorted ``ids`` (seeded permutation)."""
    order = np.random.default_rng(seed).permutation(sorted(ids))
    return [sorted(str(i) for i in part) for part in np.array_split(order, k)]
