"""The AF probability model: features of the RR series and their logistic weights (private).

Three features per plausible beat, each a running median (mirror edges) so that a short
run of odd beats cannot move it:

``log_score_91``
    log of the 91-beat (about a minute at rest) running median of the raw irregularity x
    novelty score of :mod:`analytics.cardiac._af_stats` (Petrenas 2015 smooth their
    irregularity measure the same way).
``log_score_301``
    the same over 301 beats (about 4-5 min): context, so that a minute of frequent
    ectopy inside hours of sinus rhythm weighs less than a minute inside AF.
``log_rr_91``
    log of the 91-beat running median of the local heart period, in ms (AF at rest
    conducts faster than sinus rhythm at rest; Dash et al. 2009 and Tateno & Glass 2001
    normalise by the heart period for the same reason).

The probability is the logistic of ``WEIGHTS`` . (1, features). The weights were fitted
with record-grouped 5-fold cross-validation pooled over PhysioNet afdb (10 records),
ltafdb (42), nsr2db (27), chf2db (14) and CinC 2017 (2,558 short records; normal and
AF, other rhythm as non-AF), every source and class weighing the same, on every 15th
beat; the values below are the fit on all records, printed by::

    python -m bench.af --fit

(docs/detectors.md gives the cross-validated results.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import median_filter

from analytics.cardiac._af_stats import raw_score
from analytics.cardiac._validate import FloatArray

if TYPE_CHECKING:
    from analytics.cardiac.af import AFDetectorParams

# Offset that keeps log() finite where the raw score is 0 (a perfectly regular run);
# 1e-4 is far below every score seen on AF (~0.02-0.2).
_LOG_EPS = 1e-4
SHORT_BEATS = 91
LONG_BEATS = 301
FEATURES = ("log_score_91", "log_score_301", "log_rr_91")
# Intercept, then one weight per feature, from `python -m bench.af --fit`.
WEIGHTS = (3.2125, 1.9270, 0.8350, 0.9912)


def _running_median(x: FloatArray, size: int) -> FloatArray:
    return np.asarray(median_filter(x, size=min(size, x.size), mode="mirror"), dtype=np.float64)


def features(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    """The model's features, shape (n, 3), for plausible RR intervals ``rr_ms``."""
    raw = raw_score(rr_ms, params)
    out = np.empty((rr_ms.size, len(FEATURES)))
    # log is monotone, so the median of the logs is the log of the median.
    out[:, 0] = np.log(_running_median(raw, SHORT_BEATS) + _LOG_EPS)
    out[:, 1] = np.log(_running_median(raw, LONG_BEATS) + _LOG_EPS)
    out[:, 2] = np.log(_running_median(rr_ms, SHORT_BEATS))
    return out


def logit(feats: FloatArray, weights: tuple[float, ...]) -> FloatArray:
    """Log-odds of AF for each row of ``feats``."""
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(w[0] + feats @ w[1:], dtype=np.float64)


def probability(rr_ms: FloatArray, params: AFDetectorParams) -> FloatArray:
    """Probability of AF for each plausible RR interval."""
    z = logit(features(rr_ms, params), params.weights)
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)  # overflow-free logistic
