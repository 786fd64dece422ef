"""The AF tree fitter: it learns a split it is shown, and the generated module round-trips."""

from __future__ import annotations

import numpy as np

from analytics.cardiac._af_model import FEATURES, log_odds
from bench import _af_fit


def _data(n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """AF exactly when feature 3 >= 0.2 and feature 7 < 0.5; the other features are noise."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, (n, len(FEATURES)))
    y = (x[:, 3] >= 0.2) & (x[:, 7] < 0.5)
    return x, y


def test_the_fit_separates_a_two_feature_rule() -> None:
    x, y = _data()
    model = _af_fit.fit(x, y, np.ones(y.size))
    z = log_odds(x, model)
    assert ((z > 0) == y).mean() > 0.98
    used = {f for feats, _, _ in model.trees for f in feats}
    assert {3, 7} <= used


def test_the_generated_module_holds_the_rounded_model_one_tree_per_line() -> None:
    x, y = _data(1000)
    model = _af_fit.fit(x, y, np.ones(y.size))
    text = _af_fit.module_text(model, "ab" * 32, "python -m bench.af --fit")
    namespace: dict[str, object] = {}
    exec(compile(text, "_af_trees.py", "exec"), namespace)
    rounded = _af_fit.rounded(model)
    assert namespace["BASE"] == rounded.base
    assert namespace["TREES"] == rounded.trees
    rows = [line for line in text.splitlines() if line.startswith("    ((")]
    assert len(rows) == len(model.trees)
    assert "input sha256 " + "ab" * 32 in text
    assert "python -m bench.af --fit" in text


def test_the_input_hash_follows_the_data_not_the_clock() -> None:
    a = np.arange(10.0)
    assert _af_fit.input_hash([a]) == _af_fit.input_hash([a.copy()])
    assert _af_fit.input_hash([a]) != _af_fit.input_hash([a + 1.0])
