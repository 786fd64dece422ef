"""Fitting the AF model: gradient-boosted oblivious trees in numpy, and the generated module.

Weighted logistic loss, Newton leaf values (Friedman 2001; Chen & Guestrin 2016, the
second-order form), histogram split search over at most ``BINS`` quantile bins per
feature (Ke et al. 2017), one feature and threshold per tree level (oblivious trees,
Prokhorenkova et al. 2018) so that :mod:`analytics.cardiac._af_model` scores a beat
with ``depth`` vectorised comparisons per tree.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from analytics.cardiac._af_model import FEATURES, AFModel

F = npt.NDArray[np.float64]
# Settings of the ensemble (engineering choices, not searched: each cross-validated fit
# takes minutes on the shared machine). Depth 4 lets a tree combine the rate, the
# irregularity and an ectopy statistic; the fit prints the training loss every 10 trees
# so that convergence can be checked; scoring cost grows with trees x depth.
TREES = 40
DEPTH = 4
RATE = 0.4
BINS = 32
L2 = 1e-3  # Newton-step ridge: keeps a near-empty leaf from taking a huge value


def _bin_edges(x: F) -> list[F]:
    qs = np.linspace(0.0, 1.0, BINS + 1)[1:-1]
    return [np.unique(np.quantile(x[:, j], qs)) for j in range(x.shape[1])]


def fit(x: F, y: npt.NDArray[np.bool_], w: F, *, label: str = "") -> AFModel:
    """Boosted oblivious trees minimising the ``w``-weighted logistic loss of ``y`` on ``x``."""
    edges = _bin_edges(x)
    codes = np.stack(
        [np.searchsorted(e, x[:, j], side="right") for j, e in enumerate(edges)], axis=1
    ).astype(np.intp)
    yf = y.astype(np.float64)
    w = w / w.sum()
    base = float(np.log((w * yf).sum() / (w * (1.0 - yf)).sum()))
    z = np.full(yf.size, base)
    trees = []
    for k in range(TREES):
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        g, h = w * (p - yf), w * p * (1.0 - p) + 1e-15
        leaf = np.zeros(yf.size, dtype=np.intp)
        feats: list[int] = []
        thresholds: list[float] = []
        for level in range(DEPTH):
            nodes, best = 1 << level, (-np.inf, 0, 0)
            for j, e in enumerate(edges):
                nb = e.size + 1
                key = leaf * nb + codes[:, j]
                gs = np.bincount(key, g, nodes * nb).reshape(nodes, nb)
                hs = np.bincount(key, h, nodes * nb).reshape(nodes, nb)
                gl, hl = np.cumsum(gs, 1)[:, :-1], np.cumsum(hs, 1)[:, :-1]
                gt, ht = gs.sum(1, keepdims=True), hs.sum(1, keepdims=True)
                gain = (gl**2 / (hl + L2) + (gt - gl) ** 2 / (ht - hl + L2)).sum(0)
                if gain.size and gain.max() > best[0]:
                    best = (float(gain.max()), j, int(np.argmax(gain)))
            _, j, b = best
            feats.append(j)
            thresholds.append(float(edges[j][b]))  # code > b  <=>  x >= edges[j][b]
            leaf = 2 * leaf + (codes[:, j] > b)
        gs = np.bincount(leaf, g, 1 << DEPTH)
        hs = np.bincount(leaf, h, 1 << DEPTH)
        leaves = -RATE * gs / (hs + L2)
        z += leaves[leaf]
        trees.append((tuple(feats), tuple(thresholds), tuple(float(v) for v in leaves)))
        if k % 10 == 9:
            p = 0.5 * (1.0 + np.tanh(0.5 * z))
            loss = -float((w * (yf * np.log(p + 1e-12) + (1 - yf) * np.log(1 - p + 1e-12))).sum())
            msg = f"[af] fit {label} tree {k + 1}/{TREES}, weighted log-loss {loss:.4f}"
            print(msg, file=sys.stderr, flush=True)
    return AFModel(base, tuple(trees))


def rounded(model: AFModel) -> AFModel:
    """The model as the generated module writes it (thresholds 7, leaves 5 significant digits)."""
    trees = tuple(
        (f, tuple(float(f"{t:.7g}") for t in th), tuple(float(f"{v:.5g}") for v in lv))
        for f, th, lv in model.trees
    )
    return AFModel(float(f"{model.base:.7g}"), trees)


def input_hash(arrays: Iterable[npt.NDArray[np.generic]]) -> str:
    """sha256 of the training inputs and the fit settings (not of the time of the run)."""
    h = hashlib.sha256(repr((FEATURES, TREES, DEPTH, RATE, BINS, L2)).encode())
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def module_text(model: AFModel, digest: str, command: str) -> str:
    """Source of analytics/cardiac/_af_trees.py: one tree per line."""
    m = rounded(model)
    rows = [
        f"    ({f!r}, ({', '.join(f'{t:.7g}' for t in th)}), "
        f"({', '.join(f'{v:.5g}' for v in lv)})),"
        for f, th, lv in m.trees
    ]
    return "\n".join(
        [
            '"""Fitted AF tree ensemble (generated; do not edit).',
            "",
            f"Written by ``{command}``; input sha256 {digest}",
            "(the RR series, reference labels, sources and fit settings of the run).",
            "Features are :data:`analytics.cardiac._af_model.FEATURES`; each row is one oblivious",
            "tree: (feature index per level), (threshold per level), (2**depth leaf log-odds).",
            '"""',
            "",
            "# ruff: noqa: E501",
            "# fmt: off",
            f"BASE = {m.base:.7g}",
            "TREES = (",
            *rows,
            ")",
            "",
        ]
    )


def write_module(model: AFModel, digest: str, command: str, path: Path) -> None:
    path.write_text(module_text(model, digest, command))
