"""Beat-level atrial-fibrillation (AF) detection from RR intervals alone.

AF is *irregularly irregular*: successive intervals differ a lot relative to the heart
period, and the pattern never repeats. Healthy sinus rhythm can be very variable
(respiratory sinus arrhythmia at night) but changes gradually, and ectopy, bigeminy and
trigeminy are irregular in a *regular* way: the same short-long pairs come back. The
detector multiplies two normalised statistics that each miss one of these traps:

``irregularity``
    Mean absolute successive difference of a 5-beat running median of RR (which
    removes isolated ectopic beats and missed/extra detections), over Petrenas' 8-beat
    window, the smaller of the lag-1 and lag-2 versions (a lag-2 difference is small
    in bigeminy), divided by the local median RR (heart-rate normalisation separates
    AF from sinus arrhythmia and from fast regular rhythms).
``novelty``
    Distance from each 3-interval pattern :math:`(RR_i, RR_{i+1}, RR_{i+2})` to its
    nearest neighbour among the patterns within 32 beats, divided by the local median
    RR: recurring ectopic couplings and smooth sinus arrhythmia leave close
    neighbours; AF does not (the template matching of sample entropy).

The raw score is the geometric mean of the irregularity and the novelty counted twice.
:func:`detect_af_proba` turns it, with more statistics of the last minute that tell
ectopy from AF (premature beats with their pauses, irregularity once they are taken
out, autocorrelation of successive differences and of RR itself, turning points, the
spread of RR) and of the last half and quarter minute (where an episode starts), into
a probability per beat with a small boosted-tree ensemble
(:mod:`analytics.cardiac._af_model`), fitted, and the default 0.5 cut-off of
:func:`detect_af` checked, with record-grouped cross-validation pooled over five public
databases (afdb, ltafdb, nsr2db, chf2db, CinC 2017; ``bench/af.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.cardiac._af_model import FITTED, AFModel, probability
from analytics.cardiac._af_stats import (
    irregularity_of,
    local_rr_ms,
    nearest_pattern_ms,
    score_valid,
)
from analytics.cardiac._validate import BoolArray, FloatArray, as_rr_ms
from analytics.cardiac.rr import _implausible_rr
from analytics.errors import CardiacInputError
from analytics.runs import true_runs


@dataclass(frozen=True)
class AFDetectorParams:
    """Parameters of :func:`detect_af` (defaults are the evaluated configuration).

    Attributes
    ----------
    threshold : float
        Probability (:func:`detect_af_proba`) above which a beat is AF, in (0, 1).
        0.5: the model is fitted with every source and class weighing the same, so 0.5
        balances sensitivity and specificity; rules that need more certainty ask for a
        higher confidence (``analytics.rules`` ``af_burden``).
    model : AFModel
        The tree ensemble (:mod:`analytics.cardiac._af_model`; the default is the one
        fitted by ``python -m bench.af --fit`` on all development records).
    ectopic_median_beats : int
        Running-median length that suppresses isolated ectopic beats before the
        irregularity statistic (5; Petrenas 2015 filter ectopic beats first).
    irregularity_beats : int
        Averaging window of successive differences (8 beats, Petrenas 2015).
    pattern_beats : int
        Length of the RR patterns compared by the novelty statistic (3 intervals: an
        ectopic beat, its compensatory pause and the next beat; the embedding of
        sample entropy).
    novelty_half_beats : int
        Patterns starting up to this many beats before and after are searched for a
        neighbour (32).
    smoothing_beats : int
        Odd length of the median filter of :func:`af_score` (91, about a minute at
        rest; Petrenas 2015 median-filter the irregularity measure).
    min_beats : int
        Records with fewer plausible intervals are labelled all non-AF (16: too short
        to judge irregularity).
    peak_threshold : float or None
        Hysteresis of :func:`detect_af`: when set, a run of beats above ``threshold``
        is AF only if one of its beats reaches this probability. None (default): the
        plain cut-off, for spot recordings. :data:`MONITORING` sets 0.95 for continuous
        recordings, where out of fold it cut false AF episodes on healthy 24-h
        recordings (nsr2db) from 2.6 to 0.75 per 24 h at a cost of 1.7 points of ltafdb
        and 3.7 of afdb sensitivity (docs/detectors.md); on 30-s recordings (CinC
        2017), whose probabilities seldom reach it, sensitivity would fall from 79 to
        54 %.
    """

    threshold: float = 0.5
    ectopic_median_beats: int = 5
    irregularity_beats: int = 8
    pattern_beats: int = 3
    novelty_half_beats: int = 32
    smoothing_beats: int = 91
    min_beats: int = 16
    model: AFModel = FITTED
    peak_threshold: float | None = None

    def __post_init__(self) -> None:
        _check_probability(self.threshold, "threshold")
        if self.peak_threshold is not None:
            _check_probability(self.peak_threshold, "peak_threshold")
        if not isinstance(self.model, AFModel):
            msg = f"model should be an AFModel; got {type(self.model).__name__}"
            raise CardiacInputError(msg)
        names = ("ectopic_median_beats", "irregularity_beats", "pattern_beats")
        for name in (*names, "novelty_half_beats"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                msg = f"{name} should be a positive integer; got {value!r}"
                raise CardiacInputError(msg)
        if int(self.smoothing_beats) != self.smoothing_beats or self.smoothing_beats % 2 == 0:
            msg = f"smoothing_beats should be an odd integer; got {self.smoothing_beats!r}"
            raise CardiacInputError(msg)


def _confident_runs(labels: BoolArray, proba: FloatArray, peak: float) -> BoolArray:
    """``labels`` with every run of True removed unless one of its beats reaches ``peak``."""
    starts, ends = true_runs(labels)
    if starts.size == 0:
        return labels
    # max over [s0, e0), [e0, s1), [s1, e1), ...: every other one is a run's maximum
    bounds = np.empty(2 * starts.size, dtype=np.intp)
    bounds[0::2], bounds[1::2] = starts, ends
    padded = np.append(proba, -np.inf)  # a run may end at the last beat
    keep = np.maximum.reduceat(padded, bounds)[0::2] >= peak
    edges = np.zeros(labels.size + 1, dtype=np.int32)
    np.add.at(edges, starts[keep], 1)
    np.add.at(edges, ends[keep], -1)
    return np.cumsum(edges[:-1]) > 0


def _check_probability(value: float, name: str) -> None:
    if not np.isfinite(value) or not 0.0 < value < 1.0:
        msg = f"{name} should be a probability strictly between 0 and 1; got {value!r}"
        raise CardiacInputError(msg)


def irregularity(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    """Normalised mean absolute successive difference with ectopy/bigeminy suppression.

    Parameters
    ----------
    rr_ms : ndarray of float, shape (n,)
        Plausible RR intervals in milliseconds (artefacts already removed).
    params : AFDetectorParams
        Window lengths.

    Returns
    -------
    ndarray of float, shape (n,)
        :math:`I_i` of :func:`af_score` (dimensionless).
    """
    rr = np.asarray(rr_ms, dtype=np.float64)
    return irregularity_of(rr, local_rr_ms(rr), params)


def novelty(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    """Distance of each short RR pattern to its nearest neighbour nearby, relative to RR.

    Parameters
    ----------
    rr_ms : ndarray of float, shape (n,)
        Plausible RR intervals in milliseconds (artefacts already removed).
    params : AFDetectorParams
        Pattern length and search span.

    Returns
    -------
    ndarray of float, shape (n,)
        :math:`N_i` of :func:`af_score` (dimensionless); the last beats, which start
        no complete pattern, repeat the last value.
    """
    rr = np.asarray(rr_ms, dtype=np.float64)
    return np.asarray(nearest_pattern_ms(rr, params) / local_rr_ms(rr), dtype=np.float64)


def af_score(rr_ms: npt.ArrayLike, params: AFDetectorParams | None = None) -> FloatArray:
    """Per-beat AF score (the statistic :func:`detect_af` thresholds).

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds for one recording, in order.
    params : AFDetectorParams, optional
        Detector parameters (the threshold is not used here).

    Returns
    -------
    ndarray of float, shape (n,)
        Smoothed score; NaN at artefacts (RR outside 200-3000 ms) and everywhere when
        fewer than ``params.min_beats`` plausible intervals remain.

    Notes
    -----
    With :math:`x` the 5-beat running median of RR, :math:`\\bar{RR}_i` the 9-beat
    running median and :math:`\\langle\\cdot\\rangle_8` an 8-beat moving average,

    .. math::

        I_i = \\frac{\\min(\\langle|x_i - x_{i-1}|\\rangle_8,\\
              \\langle|x_i - x_{i-2}|\\rangle_8)}{\\bar{RR}_i}, \\qquad
        N_i = \\frac{\\min_{0<|j-i|\\le 32}\\ \\max_{0 \\le k < 3}
              |RR_{i+k} - RR_{j+k}|}{\\bar{RR}_i}

    and the score is the 91-beat running median of :math:`(I_i N_i^2)^{1/3}`.

    References
    ----------
    .. [1] Petrenas A, Marozas V, Sornmo L. Low-complexity detection of atrial
       fibrillation in continuous long-term monitoring. Comput Biol Med
       2015;65:184-191.
    .. [2] Richman JS, Moorman JR. Am J Physiol Heart Circ Physiol
       2000;278:H2039-H2049 (template matching, sample entropy).
    .. [3] Tateno K, Glass L. Automatic detection of atrial fibrillation using the
       coefficient of variation and density histograms of RR and deltaRR intervals.
       Med Biol Eng Comput 2001;39:664-671.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bool(np.nanmedian(af_score(rng.uniform(400, 1000, 300))) > 0.05)
    True
    """
    p = AFDetectorParams() if params is None else params
    rr = as_rr_ms(rr_ms)
    out = np.full(rr.size, np.nan)
    valid = ~_implausible_rr(rr)
    if valid.sum() >= p.min_beats:
        out[valid] = score_valid(rr[valid], p)
    return out


def _fill_artefacts(labels: BoolArray, valid: BoolArray) -> BoolArray:
    """Artefacts take the AF label only when the valid beats on both sides are AF."""
    out = labels & valid
    starts, ends = true_runs(~valid)
    inner = (starts > 0) & (ends < labels.size)
    starts, ends = starts[inner], ends[inner]
    both = out[starts - 1] & out[ends]  # neighbours are valid beats: filling cannot chain
    if both.any():
        edges = np.zeros(labels.size + 1, dtype=np.int32)
        np.add.at(edges, starts[both], 1)
        np.add.at(edges, ends[both], -1)
        out |= np.cumsum(edges[:-1]) > 0
    return out


def _proba_checked(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    """:func:`detect_af_proba` of an already validated RR series."""
    valid = ~_implausible_rr(rr_ms)
    n_valid = np.count_nonzero(valid)
    if n_valid == rr_ms.size and n_valid >= params.min_beats:  # no artefact: no masked copies
        return probability(rr_ms, params)
    out = np.full(rr_ms.size, np.nan)
    if n_valid >= params.min_beats:
        out[valid] = probability(rr_ms[valid], params)
    return out


def detect_af_proba(rr_ms: npt.ArrayLike, *, params: AFDetectorParams | None = None) -> FloatArray:
    """Probability that each RR interval belongs to atrial fibrillation.

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds for one recording, in order. Values must be finite
        and positive; intervals outside 200-3000 ms are treated as artefacts.
    params : AFDetectorParams, optional
        Detector parameters (default :class:`AFDetectorParams`).

    Returns
    -------
    ndarray of float, shape (n,)
        Probability in [0, 1] per interval; NaN at artefacts and everywhere when fewer
        than ``params.min_beats`` plausible intervals remain (nothing to judge).

    Raises
    ------
    CardiacInputError
        (a ``ValueError``) if ``rr_ms`` is not 1-D, or holds NaN, infinite or
        non-positive values.

    Notes
    -----
    Logistic of a boosted oblivious-tree ensemble over twenty-one windowed statistics
    of RR (:mod:`analytics.cardiac._af_model` lists and justifies them), among them the
    raw score of :func:`af_score` over 15, 31, 91 and 301 beats. The probability is calibrated
    on a population in which AF and non-AF time, and every source database, weigh the
    same: read it as a confidence to compare with
    a cut-off, not as the chance that a random participant is in AF. Non-diagnostic.

    References
    ----------
    .. [1] Petrenas A, Marozas V, Sornmo L. Comput Biol Med 2015;65:184-191.
    .. [2] Tateno K, Glass L. Med Biol Eng Comput 2001;39:664-671.
    .. [3] Dash S, Chon KH, Lu S, Raeder EA. Automatic real time detection of atrial
       fibrillation. Ann Biomed Eng 2009;37:1701-1709.
    .. [4] Friedman JH. Greedy function approximation: a gradient boosting machine.
       Ann Stat 2001;29:1189-1232.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> sinus = 800 + 40 * np.sin(np.arange(400) / 3.0)
    >>> p = detect_af_proba(np.concatenate((sinus, rng.uniform(400, 1000, 400))))
    >>> bool(p[:200].max() < 0.5), bool(p[450:750].min() > 0.75)
    (True, True)
    >>> bool(np.median(p[450:750]) > 0.95)
    True
    """
    p = AFDetectorParams() if params is None else params
    return _proba_checked(as_rr_ms(rr_ms), p)


def detect_af(
    rr_ms: npt.ArrayLike,
    *,
    threshold: float | None = None,
    params: AFDetectorParams | None = None,
) -> BoolArray:
    """Label each RR interval as atrial fibrillation (True) or not.

    Parameters
    ----------
    rr_ms : array_like of float, shape (n,)
        RR intervals in milliseconds for one recording, in order. Values must be finite
        and positive; intervals outside 200-3000 ms are treated as artefacts.
    threshold : float, optional
        Overrides ``params.threshold`` (a probability in (0, 1)): higher is more
        specific, lower more sensitive.
    params : AFDetectorParams, optional
        Detector parameters (default :class:`AFDetectorParams`).

    Returns
    -------
    ndarray of bool, shape (n,)
        True where the interval is classified AF. Artefacts are False unless both
        neighbouring valid intervals are AF. Inputs with fewer than
        ``params.min_beats`` plausible intervals are all False.

    Raises
    ------
    CardiacInputError
        (a ``ValueError``) if ``rr_ms`` is not 1-D, or holds NaN, infinite or
        non-positive values, or ``threshold`` is not strictly between 0 and 1.

    Notes
    -----
    The beat is AF when :func:`detect_af_proba` exceeds the threshold (and, with
    ``params.peak_threshold`` set, its run of such beats reaches that probability
    somewhere: :data:`MONITORING`); see there for the model. Non-diagnostic: the
    output flags "AF-like irregularity" for clinical review (docs/clinical.md). About
    80 ms per 100k beats: 1.2-1.3 million RR intervals per CPU second on 1M beats, the
    first call of a fresh process included, on one core of a 2-core Intel Xeon VM;
    half of it is scipy's running medians and percentiles (``python -m bench.af``
    prints the rate).

    References
    ----------
    .. [1] Petrenas A, Marozas V, Sornmo L. Comput Biol Med 2015;65:184-191.
    .. [2] Tateno K, Glass L. Med Biol Eng Comput 2001;39:664-671.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> sinus = 800 + 40 * np.sin(np.arange(400) / 3.0)
    >>> af = rng.uniform(400, 1000, 400)
    >>> labels = detect_af(np.concatenate((sinus, af)))
    >>> bool(labels[:250].any()), bool(labels[550:].all())
    (False, True)
    """
    p = AFDetectorParams() if params is None else params
    thr = p.threshold if threshold is None else threshold
    _check_probability(thr, "threshold")
    rr = as_rr_ms(rr_ms)
    proba = _proba_checked(rr, p)
    valid = ~np.isnan(proba)
    labels = np.zeros(rr.size, dtype=bool)
    labels[valid] = proba[valid] > thr
    if p.peak_threshold is not None and valid.any():
        labels[valid] = _confident_runs(labels[valid], proba[valid], p.peak_threshold)
    return _fill_artefacts(labels, valid) if valid.any() else labels


#: Detector settings for continuous recordings (the dashboard's timeline, the clinical
#: report): a run of AF-like beats counts when one of its beats reaches 0.95
#: (``peak_threshold``; docs/detectors.md).
MONITORING = AFDetectorParams(peak_threshold=0.95)
