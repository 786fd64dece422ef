"""detect_af_proba: the model's formula, its range, and detect_af as its cut-off."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter

import analytics.cardiac
from analytics.cardiac import AFDetectorParams, af_score, detect_af, detect_af_proba
from analytics.cardiac._af_model import FEATURES, FITTED, AFModel, features
from analytics.cardiac.af import irregularity, novelty
from analytics.errors import CardiacInputError


def _recording(seed: int) -> np.ndarray:
    """Sinus rhythm, an AF stretch and sinus again, with a few artefacts."""
    rng = np.random.default_rng(seed)
    sinus = 850 + 50 * np.sin(np.arange(1500) / 0.7) + rng.normal(0, 10, 1500)
    af = rng.uniform(400, 1000, 800)
    rr = np.concatenate((sinus[:700], af, sinus[700:]))
    rr[rng.choice(rr.size, 12, replace=False)] = rng.choice([120.0, 4000.0], 12)
    return rr


def _proba_by_hand(rr: np.ndarray) -> np.ndarray:
    """The documented model written out beat by beat: each oblivious tree's leaf is the
    binary number of its level comparisons (a beat goes up when feature >= threshold);
    the log-odds are then median-filtered over 91 beats."""
    valid = (rr >= 200) & (rr <= 3000)
    x = features(rr[valid], AFDetectorParams())
    z = np.full(x.shape[0], FITTED.base)
    for i, row in enumerate(x):
        for feats, thresholds, leaves in FITTED.trees:
            leaf = 0
            for f, t in zip(feats, thresholds, strict=True):
                leaf = 2 * leaf + int(row[f] >= t)
            z[i] += leaves[leaf]
    z = median_filter(z, size=91, mode="mirror")
    out = np.full(rr.size, np.nan)
    out[valid] = 1.0 / (1.0 + np.exp(-z))
    return out


def test_raw_score_features_are_the_documented_running_medians() -> None:
    rr = _recording(5)
    x = rr[(rr >= 200) & (rr <= 3000)]
    raw = af_score(x, AFDetectorParams(smoothing_beats=1))
    f = features(x, AFDetectorParams())
    names = list(FEATURES)
    expected = np.log(median_filter(raw, size=91, mode="mirror") + 1e-4)
    np.testing.assert_allclose(f[:, names.index("log_score_91")], expected, rtol=1e-12)
    expected = np.log(median_filter(raw, size=301, mode="mirror") + 1e-4)
    np.testing.assert_allclose(f[:, names.index("log_score_301")], expected, rtol=1e-12)
    expected = np.log(median_filter(x, size=91, mode="mirror"))
    np.testing.assert_allclose(f[:, names.index("log_rr_91")], expected, rtol=1e-12)


def test_ectopy_features_count_premature_beats_with_their_pauses() -> None:
    rr = np.full(910, 800.0)
    rr[5::10] = 560.0  # every tenth beat premature (0.7 of the sinus RR) ...
    rr[6::10] = 1040.0  # ... and followed by a pause (1.3)
    f = features(rr, AFDetectorParams())
    names = list(FEATURES)
    # 91 centred beats hold 9 or 10 premature beats away from the ends
    middle = f[100:-100, names.index("ectopic_pairs")]
    assert middle.min() >= 9 / 91
    assert middle.max() <= 10 / 91
    # with them replaced by the local median nothing irregular remains
    assert np.exp(f[:, names.index("log_irr_clean")]).max() < 1e-3
    # beats 4-5-6-7 (800, 560, 1040, 800): 560 and 1040 are turning points, 2 in 10
    assert f[100:-100, names.index("turning_points")] == pytest.approx(0.2, abs=0.012)


def test_random_intervals_have_the_turning_point_ratio_of_noise() -> None:
    rr = np.random.default_rng(7).uniform(500, 900, 5000)
    f = features(rr, AFDetectorParams())
    assert float(np.median(f[:, list(FEATURES).index("turning_points")])) == pytest.approx(
        2 / 3, abs=0.03
    )
    assert float(np.median(f[:, list(FEATURES).index("acf1")])) == pytest.approx(-0.5, abs=0.05)


def test_pairing_features_tell_short_long_pairs_from_independent_intervals() -> None:
    names = list(FEATURES)
    rng = np.random.default_rng(11)
    independent = features(rng.uniform(500, 900, 5000), AFDetectorParams())
    # Independent intervals: no lag-1 correlation, and |e_i + e_{i-1}| is about sqrt(2)
    # times |e_i| on average (sum of two independent deviations).
    assert float(np.median(independent[:, names.index("rr_acf1")])) == pytest.approx(0, abs=0.1)
    ratio = np.exp(np.median(independent[:, names.index("log_pair_ratio")]))
    assert 1.0 < ratio < 1.6
    # Beat-timing jitter: RR_i = T + j_i - j_{i-1} has lag-1 autocorrelation -1/2, and
    # two successive intervals vary together no more than one (RR_i + RR_{i+1} - 2T =
    # j_{i+1} - j_{i-1}): a pair ratio near 1.
    jitter = rng.normal(0, 60, 5001)
    timed = features(900 + np.diff(jitter), AFDetectorParams())
    assert float(np.median(timed[:, names.index("rr_acf1")])) == pytest.approx(-0.5, abs=0.1)
    assert np.exp(np.median(timed[:, names.index("log_pair_ratio")])) < 1.25 < ratio
    # Premature beats with full compensatory pauses: the pair cancels, its neighbours
    # do not (|e| sums to 0.6 per ten beats, and so does |e_i + e_{i-1}|).
    rr = np.full(910, 800.0)
    rr[5::10], rr[6::10] = 560.0, 1040.0
    paired = features(rr, AFDetectorParams())
    assert np.median(paired[100:-100, names.index("rr_acf1")]) < -0.4
    assert np.exp(np.median(paired[100:-100, names.index("log_pair_ratio")])) < 1.25


def test_context_feature_is_the_capped_number_of_intervals() -> None:
    names = list(FEATURES)
    short = features(np.full(40, 800.0), AFDetectorParams())
    assert np.all(short[:, names.index("log_context")] == pytest.approx(np.log(40)))
    long = features(np.full(2000, 800.0), AFDetectorParams())
    assert np.all(long[:, names.index("log_context")] == pytest.approx(np.log(301)))


def test_short_window_features_are_the_documented_running_statistics() -> None:
    rr = _recording(6)
    x = rr[(rr >= 200) & (rr <= 3000)]
    raw = af_score(x, AFDetectorParams(smoothing_beats=1))
    f = features(x, AFDetectorParams())
    names = list(FEATURES)
    for size in (31, 15):
        expected = np.log(median_filter(raw, size=size, mode="mirror") + 1e-4)
        got = f[:, names.index(f"log_score_{size}")]
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    local = median_filter(x, size=9, mode="mirror")
    step = np.zeros(x.size)
    step[1:] = np.abs(np.diff(x)) / local[1:]
    big = np.convolve(np.pad(step > 0.065, 15, mode="reflect"), np.ones(31) / 31, "valid")
    np.testing.assert_allclose(f[:, names.index("big_steps_31")], big, atol=1e-12)
    regular = np.convolve(np.pad(step < 0.03, 15, mode="reflect"), np.ones(31) / 31, "valid")
    np.testing.assert_allclose(f[:, names.index("regular_pairs_31")], regular, atol=1e-12)


def test_proba_is_exported_from_the_package() -> None:
    assert "detect_af_proba" in analytics.cardiac.__all__


@pytest.mark.parametrize("seed", [0, 1])
def test_proba_is_the_logistic_of_the_documented_features(seed: int) -> None:
    rr = _recording(seed)
    np.testing.assert_allclose(detect_af_proba(rr), _proba_by_hand(rr), rtol=1e-9, atol=1e-12)


def test_proba_is_nan_at_artefacts_only_and_within_zero_one() -> None:
    rr = _recording(2)
    p = detect_af_proba(rr)
    artefact = (rr < 200) | (rr > 3000)
    assert np.array_equal(np.isnan(p), artefact)
    assert ((p[~artefact] >= 0) & (p[~artefact] <= 1)).all()


def test_proba_separates_af_from_the_sinus_around_it() -> None:
    p = detect_af_proba(_recording(3))
    assert np.nanmax(p[:500]) < 0.2  # measured 0.02
    assert np.nanmin(p[850:1350]) > 0.5  # measured 0.84 ...
    assert np.nanmedian(p[850:1350]) > 0.9  # ... and 0.98


def test_too_short_input_has_no_probability() -> None:
    assert np.isnan(detect_af_proba([800.0] * 10)).all()


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1])
def test_labels_are_the_thresholded_probability(threshold: float, seed: int) -> None:
    rr = _recording(seed)
    p = detect_af_proba(rr)
    valid = ~np.isnan(p)
    expected = np.zeros(rr.size, dtype=bool)
    expected[valid] = p[valid] > threshold
    for i in np.flatnonzero(~valid):  # artefacts between two AF beats are AF
        before, after = np.flatnonzero(valid[:i]), np.flatnonzero(valid[i:]) + i
        if before.size and after.size and expected[before[-1]] and expected[after[0]]:
            expected[i] = True
    np.testing.assert_array_equal(detect_af(rr, threshold=threshold), expected)


def test_another_model_changes_the_probability() -> None:
    rr = _recording(4)
    shifted = AFDetectorParams(model=AFModel(FITTED.base - 5.0, FITTED.trees))
    assert np.nanmean(detect_af_proba(rr, params=shifted)) < np.nanmean(detect_af_proba(rr))


@pytest.mark.parametrize(
    "trees",
    [
        (((0, 1), (0.5,), (1.0, 2.0, 3.0, 4.0)),),  # a threshold missing
        (((0,), (0.5,), (1.0, 2.0, 3.0)),),  # 3 leaves for depth 1
        (((99,), (0.5,), (1.0, 2.0)),),  # no feature 99
        (((0,), (0.5,), (1.0, float("nan"))),),
    ],
)
def test_malformed_models_are_rejected(trees: tuple[object, ...]) -> None:
    with pytest.raises(CardiacInputError, match="model tree 0"):
        AFModel(0.0, trees)  # type: ignore[arg-type]


def test_a_model_of_the_wrong_type_is_rejected() -> None:
    with pytest.raises(CardiacInputError, match="model should be an AFModel"):
        AFDetectorParams(model=(1.0, 2.0))  # type: ignore[arg-type]


def test_score_is_the_geometric_mean_of_irregularity_and_novelty_twice() -> None:
    rr = _recording(4)
    rr = rr[(rr >= 200) & (rr <= 3000)]
    params = AFDetectorParams(smoothing_beats=1)
    raw = np.cbrt(irregularity(rr, params) * novelty(rr, params) ** 2)
    np.testing.assert_allclose(af_score(rr, params), raw, rtol=1e-12)


def _hysteresis_by_hand(proba_by_beat: np.ndarray) -> np.ndarray:
    """Labels of detect_af's hysteresis computed by hand on a known probability."""
    labels = proba_by_beat > 0.5
    out = np.zeros_like(labels)
    i = 0
    while i < labels.size:
        if labels[i]:
            j = i
            while j < labels.size and labels[j]:
                j += 1
            out[i:j] = proba_by_beat[i:j].max() >= 0.95
            i = j
        else:
            i += 1
    return out


def test_confident_runs_keep_only_runs_that_reach_the_peak() -> None:
    from analytics.cardiac.af import _confident_runs

    rng = np.random.default_rng(3)
    for _ in range(50):
        proba = rng.choice([0.1, 0.6, 0.8, 0.97], size=int(rng.integers(1, 60)))
        got = _confident_runs(proba > 0.5, proba, 0.95)
        np.testing.assert_array_equal(got, _hysteresis_by_hand(proba))


def test_monitoring_drops_af_like_runs_that_never_become_confident() -> None:
    rr = _recording(0)
    p = detect_af_proba(rr)
    plain = detect_af(rr)
    monitored = detect_af(rr, params=analytics.cardiac.MONITORING)
    assert np.nanmax(p) >= 0.95  # the AF stretch is confident: it is kept whole
    assert monitored[850:1350].all()
    assert (monitored <= plain).all()  # hysteresis only removes labels
    # A stricter peak than any beat reaches removes every run.
    assert np.nanmax(p) < 1.0
    unreachable = float(np.nanmax(p)) + 0.5 * (1.0 - float(np.nanmax(p)))
    none = detect_af(rr, params=AFDetectorParams(peak_threshold=unreachable))
    assert not none.any()


@pytest.mark.parametrize("peak", [0.0, 1.0, float("nan")])
def test_peak_threshold_must_be_a_probability(peak: float) -> None:
    with pytest.raises(CardiacInputError, match="peak_threshold"):
        AFDetectorParams(peak_threshold=peak)


def test_long_series_scored_in_pieces_equal_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    import analytics.cardiac._af_model as model

    rng = np.random.default_rng(8)
    parts = []
    for _ in range(12):
        parts.append(850 + 50 * np.sin(np.arange(900) / 0.7) + rng.normal(0, 10, 900))
        parts.append(rng.uniform(400, 1000, int(rng.integers(40, 900))))
    rr = np.concatenate(parts)
    params = AFDetectorParams()
    whole = model._probability_piece(rr, params, rr.size)
    monkeypatch.setattr(model, "_PIECE", 1000)  # many pieces, each with its margins
    pieced = model.probability(rr, params)
    np.testing.assert_allclose(pieced, whole, rtol=0, atol=1e-12)
    # The margin is what makes them equal: without it the piece edges show.
    monkeypatch.setattr(model, "_MARGIN", 20)
    assert np.abs(model.probability(rr, params) - whole).max() > 1e-3
