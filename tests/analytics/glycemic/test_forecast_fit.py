"""Fitting the forecast's experts, and the generated coefficients file's layout."""

from __future__ import annotations

import numpy as np

from analytics.glycemic.forecast import LAGS_MIN
from analytics.glycemic.forecast_fit import (
    BALANCED,
    fit_experts,
    render_params,
    ridge,
    stack,
    training_rows,
)

N_FEATURES = len(LAGS_MIN) + 5


def test_training_rows_target_the_reading_within_three_minutes() -> None:
    # 5-min readings logged 10 s late each time: t + 30 min is 60 s from reading i + 6.
    t_s = np.arange(40, dtype=np.float64) * 310.0
    g = 100.0 + np.arange(40, dtype=np.float64)
    feats, change = training_rows(t_s, g, 30)
    assert feats.shape[1] == N_FEATURES
    # readings 5 .. 33 have 25 min of history and a reading 6 later
    assert feats.shape[0] == 29
    np.testing.assert_array_equal(change, np.full(29, 6.0))


def test_ridge_recovers_a_linear_relation_and_weights_blocks_equally() -> None:
    rng = np.random.default_rng(3)
    coef = rng.normal(size=4)
    x = rng.normal(size=(50, 4))
    x_big = np.tile(x, (100, 1))  # 100x the rows, the same second moments
    big, small = (x_big, x_big @ coef), (x, x @ -coef)
    np.testing.assert_allclose(ridge([big], penalty=0.0), coef, atol=1e-10)
    # equal total weight: the two opposite relations cancel despite 100x more rows
    np.testing.assert_allclose(ridge([big, small], penalty=0.0), 0.0, atol=1e-10)


def test_fit_experts_has_one_row_per_cohort_and_a_balanced_row() -> None:
    t_s = np.arange(200, dtype=np.float64) * 300.0
    a = stack([training_rows(t_s, 120.0 + 30.0 * np.sin(t_s / 3000.0), 30)])
    b = stack([training_rows(t_s, 150.0 + 20.0 * np.cos(t_s / 5000.0), 30)])
    rows = fit_experts({"a": a, "b": b})
    assert rows.shape == (3, N_FEATURES)


def test_generated_file_has_one_expert_per_line_and_round_trips() -> None:
    coefs = {30: np.arange(2 * N_FEATURES, dtype=np.float64).reshape(2, N_FEATURES) / 7.0}
    text = render_params(coefs, {"a": 3}, "python -m bench.fit_forecast", "ab" * 32, ["a: x"])
    assert "Command: python -m bench.fit_forecast" in text
    assert f"Input SHA-256: {'ab' * 32}" in text
    row_lines = [line for line in text.splitlines() if line.startswith("        (")]
    assert len(row_lines) == 2
    namespace: dict[str, object] = {}
    exec(text, namespace)
    assert namespace["EXPERTS"] == ("a", BALANCED)
    back = np.asarray(namespace["COEFFICIENTS"][30])  # type: ignore[index]
    np.testing.assert_array_equal(back, coefs[30])
