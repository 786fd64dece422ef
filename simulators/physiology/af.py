"""Ventricular RR intervals during atrial fibrillation.

Renewal model after the atrioventricular (AV) node models of Cohen, Berger & Dushane
(IEEE TBME 1983;30:769) and Corino et al. (IEEE TBME 2011;58:3386): atrial impulses
bombard the AV node as a Poisson process; after each conducted beat the node is
refractory for a random time tau, then conducts the first impulse that gets through.
By the memorylessness of the Poisson process the wait after tau is exponential, so

    RR = tau + W,   tau ~ Normal(tau_mean, tau_sd),   W ~ Exponential(w_mean)

i.i.d. per beat: no respiratory modulation and no memory, the hallmark irregularity of
AF. Given a target mean RR and coefficient of variation, the exponential wait carries
70% of the variance (an assumption that gives the right-skewed RR histograms of AF).
"""

from __future__ import annotations

import numpy as np

from simulators.physiology._clock import FloatArray

#: Share of RR variance carried by the exponential wait (the rest by tau); assumption.
_WAIT_VARIANCE_SHARE = 0.7
#: AV-node functional refractory period floor, ms (Corino 2011 fits ~250-400 ms).
_MIN_REFRACTORY_MS = 250.0


def af_rr_ms(rng: np.random.Generator, n: int, mean_rr_ms: float, cv: float) -> FloatArray:
    """Draw ``n`` AF RR intervals.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of intervals.
    mean_rr_ms : float
        Target mean RR in ms (60000 / mean ventricular rate).
    cv : float
        Target coefficient of variation (SD / mean), e.g. 0.15-0.25.

    Returns
    -------
    numpy.ndarray
        ``n`` intervals in ms, each at least the refractory floor.
    """
    sd_ms = cv * mean_rr_ms
    wait_mean_ms = sd_ms * np.sqrt(_WAIT_VARIANCE_SHARE)
    tau_sd_ms = sd_ms * np.sqrt(1.0 - _WAIT_VARIANCE_SHARE)
    tau_ms = rng.normal(mean_rr_ms - wait_mean_ms, tau_sd_ms, n)
    wait_ms = rng.exponential(wait_mean_ms, n)
    rr_ms: FloatArray = np.maximum(tau_ms, _MIN_REFRACTORY_MS) + wait_ms
    return rr_ms
