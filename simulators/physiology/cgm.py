"""CGM sensor: calibration error, correlated non-Gaussian noise, dropouts, censoring.

Noise follows Breton & Kovatchev (J Diabetes Sci Technol 2008;2:853): a Gaussian AR(1)
process with partial autocorrelation 0.7 per 15 minutes mapped through a Johnson S_U
transform ``xi + lambda * sinh((e - gamma) / delta)`` with their fitted parameters; the
result is standardised and rescaled to the configured SD. Calibration error is a gain
and offset per sensor session with a linear gain drift (after Facchinetti et al., IEEE
TBME 2014;61:620). Readings outside the sensor's range are reported as the range limit
with a LOW/HIGH flag, as Dexcom and Libre receivers show "LOW"/"HIGH".
"""

from __future__ import annotations

import math
from enum import IntFlag

import numpy as np
import numpy.typing as npt

from simulators.physiology._clock import SECONDS_PER_DAY, FloatArray
from simulators.physiology._seeding import Stream, rng_for
from simulators.physiology.glucose_params import CgmParams

UInt8Array = npt.NDArray[np.uint8]

#: Johnson S_U parameters of CGM noise (Breton & Kovatchev 2008, Table 1).
_JOHNSON_XI, _JOHNSON_LAMBDA = -5.471, 15.9574
_JOHNSON_DELTA, _JOHNSON_GAMMA = 1.6898, -0.5444
#: Partial autocorrelation of the noise at 15-minute lag (Breton & Kovatchev 2008).
_PACF_15_MIN = 0.7
#: Reportable range of current CGMs, mg/dL (Dexcom G6/G7: 40-400).
SENSOR_MIN_MG_DL, SENSOR_MAX_MG_DL = 40.0, 400.0


class CgmFlag(IntFlag):
    """Per-reading sensor flags."""

    NONE = 0
    LOW = 1  # true reading below SENSOR_MIN_MG_DL, value reported as the minimum
    HIGH = 2  # true reading above SENSOR_MAX_MG_DL, value reported as the maximum
    MISSING = 4  # no reading (dropout or signal gap); value is NaN


def _johnson_moments() -> tuple[float, float]:
    """Mean and SD of the Johnson S_U transform of a standard normal (closed form)."""
    a, b = 1.0 / _JOHNSON_DELTA, -_JOHNSON_GAMMA / _JOHNSON_DELTA
    mean_sinh = math.exp(a * a / 2.0) * math.sinh(b)
    mean_sinh_sq = (math.exp(2.0 * a * a) * math.cosh(2.0 * b) - 1.0) / 2.0
    sd = _JOHNSON_LAMBDA * math.sqrt(mean_sinh_sq - mean_sinh**2)
    return _JOHNSON_XI + _JOHNSON_LAMBDA * mean_sinh, sd


_JOHNSON_MEAN, _JOHNSON_SD = _johnson_moments()


def sensor_noise(rng: np.random.Generator, n: int, period_s: int, sd_mg_dl: float) -> FloatArray:
    """Draw ``n`` consecutive noise values (stationary from the first one).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of readings.
    period_s : int
        Sampling period; the AR coefficient is 0.7 per 15 min, rescaled to it.
    sd_mg_dl : float
        Target standard deviation.

    Returns
    -------
    numpy.ndarray
        Zero-mean noise in mg/dL.
    """
    phi = _PACF_15_MIN ** (period_s / 900.0)
    shocks = rng.standard_normal(n)
    shocks[1:] *= math.sqrt(1.0 - phi * phi)
    # AR(1) by an explicit loop would be slow; the filter below is its exact solution.
    powers = phi ** np.arange(n)
    gaussian = np.convolve(shocks, powers)[:n]
    johnson = _JOHNSON_XI + _JOHNSON_LAMBDA * np.sinh((gaussian - _JOHNSON_GAMMA) / _JOHNSON_DELTA)
    noise: FloatArray = (johnson - _JOHNSON_MEAN) / _JOHNSON_SD * sd_mg_dl
    return noise


def calibration(
    seed: int, cgm: CgmParams, t_s: FloatArray, anchor_s: float
) -> tuple[FloatArray, FloatArray]:
    """Return (gain, offset_mg_dl) of the sensor worn at each time.

    Sessions last ``cgm.session_days`` and start at ``anchor_s`` plus whole sessions.
    """
    length_s = cgm.session_days * SECONDS_PER_DAY
    session = np.floor((t_s - anchor_s) / length_s).astype(np.int64)
    gain, offset = np.empty_like(t_s), np.empty_like(t_s)
    for index in np.unique(session):
        rng = rng_for(seed, Stream.GLUCOSE_SESSION, int(index))
        gain0, drift, bias = rng.normal(0.0, 1.0, 3) * (
            cgm.gain_sd,
            cgm.drift_sd_per_day,
            cgm.offset_sd_mg_dl,
        )
        here = session == index
        worn_days = (t_s[here] - anchor_s - index * length_s) / SECONDS_PER_DAY
        gain[here] = 1.0 + gain0 + drift * worn_days
        offset[here] = bias
    return gain, offset


def censor(
    value_mg_dl: FloatArray, missing: npt.NDArray[np.bool_]
) -> tuple[FloatArray, UInt8Array]:
    """Round to 1 mg/dL, clip to the sensor range with LOW/HIGH flags, blank missing."""
    flags = np.zeros(value_mg_dl.size, dtype=np.uint8)
    flags[value_mg_dl < SENSOR_MIN_MG_DL] |= np.uint8(CgmFlag.LOW)
    flags[value_mg_dl > SENSOR_MAX_MG_DL] |= np.uint8(CgmFlag.HIGH)
    flags[missing] = np.uint8(CgmFlag.MISSING)
    reported = np.clip(np.rint(value_mg_dl), SENSOR_MIN_MG_DL, SENSOR_MAX_MG_DL)
    reported[missing] = np.nan
    return reported, flags
