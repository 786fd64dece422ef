"""Fitting the forecast's population experts (pure: arrays in, coefficients out).

Each expert of :mod:`analytics.glycemic.forecast` is a ridge least-squares fit of the
change ``g(t + h) - g(t)`` on :func:`~analytics.glycemic.forecast.history_features`;
one expert per training cohort and one "balanced" expert on all cohorts with equal
total weight (a cohort with many readings does not drown the others). The target is
the reading nearest ``t + h`` within 3 min
(:func:`~analytics.glycemic.forecast.matched_reading`), the same rule that scores the
forecast. Loading the data and writing the coefficients file is the job of
``python -m bench.fit_forecast``; :func:`render_params` lays the file out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from analytics.glycemic._inputs import FloatArray
from analytics.glycemic.forecast import LAGS_MIN, history_features, matched_reading

#: Ridge penalty on the per-cohort mean squared error: small, it only keeps the normal
#: equations regular when a cohort never visits a hinge (e.g. no glucose above 200).
RIDGE = 1e-3
#: Name of the expert fitted on every cohort with equal total weight.
BALANCED = "balanced"

Block = tuple[FloatArray, FloatArray]


def training_rows(t_s: FloatArray, g: FloatArray, horizon_min: int) -> Block:
    """Features and targets of one subject at one horizon.

    Parameters
    ----------
    t_s : ndarray of float
        Strictly increasing reading times, UTC epoch seconds.
    g : ndarray of float
        Glucose in mg/dL.
    horizon_min : int
        Forecast horizon in minutes.

    Returns
    -------
    features : ndarray, shape (m, n_features)
        :func:`history_features` rows with a full history and a matched target.
    change : ndarray, shape (m,)
        Matched reading at ``t + h`` minus ``g(t)``, mg/dL.
    """
    feats = history_features(t_s, g)
    match = matched_reading(t_s, t_s + horizon_min * 60.0)
    ok = np.isfinite(feats).all(axis=1) & (match >= 0)
    return feats[ok], g[match[ok]] - g[ok]


def stack(blocks: Sequence[Block]) -> Block:
    """Concatenate the rows of several subjects."""
    n_feat = len(LAGS_MIN) + 5
    if not blocks:
        return np.empty((0, n_feat)), np.empty(0)
    return np.vstack([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])


def ridge(blocks: Sequence[Block], penalty: float = RIDGE) -> FloatArray:
    """Least squares with each block weighted to equal total weight, plus a ridge term.

    Parameters
    ----------
    blocks : sequence of (features, target)
        One block per cohort; empty blocks are skipped.
    penalty : float
        Ridge penalty added to the diagonal of the weighted normal equations.

    Returns
    -------
    ndarray, shape (n_features,)
    """
    used = [(f, r) for f, r in blocks if len(f)]
    if not used:
        raise ValueError("no training rows: every cohort is empty")
    n_feat = used[0][0].shape[1]
    lhs = sum((f.T @ f / len(f) for f, _ in used), np.zeros((n_feat, n_feat)))
    rhs = sum((f.T @ r / len(f) for f, r in used), np.zeros(n_feat))
    return np.asarray(np.linalg.solve(lhs + penalty * np.eye(n_feat), rhs), dtype=np.float64)


def fit_experts(cohorts: Mapping[str, Block]) -> FloatArray:
    """One expert per cohort (in mapping order), then the balanced expert.

    Parameters
    ----------
    cohorts : mapping of name to (features, target)
        Stacked training rows per cohort.

    Returns
    -------
    ndarray, shape (len(cohorts) + 1, n_features)
    """
    rows = [ridge([block]) for block in cohorts.values()]
    rows.append(ridge(list(cohorts.values())))
    return np.vstack(rows)


def render_params(
    coefficients: Mapping[int, FloatArray],
    cohorts: Mapping[str, int],
    command: str,
    input_sha256: str,
    sources: Sequence[str],
) -> str:
    """Text of ``analytics/glycemic/_forecast_params.py``, one expert per line.

    Parameters
    ----------
    coefficients : mapping of horizon (min) to ndarray (n_experts, n_features)
        Fitted experts per horizon.
    cohorts : mapping of cohort name to number of training subjects
        In expert order (the balanced expert follows).
    command : str
        The command that generated the file.
    input_sha256 : str
        Digest of the input data files (so that a refit on the same data can be
        recognised without a timestamp).
    sources : sequence of str
        One line per cohort naming the dataset and its licence.

    Returns
    -------
    str
        Python source; ``repr`` of floats round-trips exactly.
    """
    lines = [
        '"""Population experts of analytics.glycemic.forecast (GENERATED; do not edit).',
        "",
        f"Command: {command}",
        f"Input SHA-256: {input_sha256}",
        "Training data (every development subject; bench.forecast scores the procedure",
        "by subject-grouped cross-validation, refitting these experts on each fold):",
        *(f"    {line}" for line in sources),
        "Rows: one ridge least-squares expert per cohort, then all cohorts with equal",
        "total weight. Columns follow forecast.history_features: g(t) - g(t - l) for",
        "l = 2.5, 5, ..., 30, 60 min; intercept; g(t); g(t) - running mean; hypo hinge;",
        "hyper hinge. Target: the reading within 3 min of t + horizon, minus g(t).",
        '"""',
        "",
        f"EXPERTS = {(*cohorts, BALANCED)!r}",
        "N_SUBJECTS = {" + ", ".join(f"{k!r}: {v}" for k, v in cohorts.items()) + "}",
        "COEFFICIENTS: dict[int, tuple[tuple[float, ...], ...]] = {",
    ]
    for horizon, rows in coefficients.items():
        lines.append(f"    {horizon}: (")
        lines.extend(f"        ({', '.join(repr(float(v)) for v in row)},)," for row in rows)
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"
