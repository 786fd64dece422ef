"""Predicted-low rule: the forecast falls below 70 mg/dL within the next 30 minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from analytics.clinical_constants import (
    LOW_MG_DL,
    PREDICTED_LOW_CONFIRM_READINGS,
    PREDICTED_LOW_WITHIN_MIN,
)
from analytics.errors import GlycemicInputError
from analytics.glycemic._inputs import FloatArray, glucose_array, times_to_epoch_s
from analytics.glycemic.forecast import MAX_BRIDGE_MIN, forecast

# Forecast horizons checked inside the window (the forecast supports multiples of 5 min).
HORIZON_STEP_MIN = 5
# By default a reading is flagged only when the forecasts from it and from the reading
# before it (at most 20 min earlier, the forecast's segment rule) agree that glucose is
# heading low. Sensor noise that drags one reading's forecast below 70 mostly does not
# do so for the reading before it as well (measured: python -m bench.predicted_low).
CONFIRM_READINGS = PREDICTED_LOW_CONFIRM_READINGS
# The reading before need only have a forecast within 10 mg/dL of the threshold (about
# the sensor's noise, 5-10 mg/dL): a real fall is already heading there one reading
# earlier, so the confirmation costs no lead time, while an isolated noisy reading
# follows a forecast that was nowhere near 70.
CONFIRM_MARGIN_MG_DL = 10.0
RULE_ID = "predicted_low"


@dataclass(frozen=True)
class PredictedLowFinding:
    """A run of consecutive flagged readings.

    Attributes
    ----------
    start, end : datetime
        UTC times of the first and last flagged reading of the run.
    n_readings : int
        Flagged readings in the run.
    min_forecast_mg_dl : float
        Lowest forecast glucose (mg/dL) during the run.
    """

    start: dt.datetime
    end: dt.datetime
    n_readings: int
    min_forecast_mg_dl: float


@dataclass(frozen=True)
class PredictedLowResult:
    """Per-reading flags of the predicted-low rule and the runs they form.

    Attributes
    ----------
    rule_id : str
        ``"predicted_low"`` (docs/clinical.md alert table).
    flags : ndarray of bool, shape (n,)
        True where the lowest forecast within the window is below the threshold.
    min_forecast_mg_dl : ndarray of float, shape (n,)
        Lowest forecast over horizons 5, 10, ..., ``within_min`` minutes (NaN where no
        forecast is possible).
    findings : tuple of PredictedLowFinding
        Runs of consecutive flags.
    """

    rule_id: str
    flags: np.ndarray
    min_forecast_mg_dl: FloatArray
    findings: tuple[PredictedLowFinding, ...]


def predicted_low(
    times: ArrayLike | Sequence[dt.datetime],
    glucose_mg_dl: ArrayLike,
    threshold_mg_dl: float = LOW_MG_DL,
    within_min: int = PREDICTED_LOW_WITHIN_MIN,
    confirm_readings: int = CONFIRM_READINGS,
) -> PredictedLowResult:
    """Flag readings after which glucose is forecast to drop below a threshold.

    Parameters
    ----------
    times : sequence of aware datetime or array of datetime64 (UTC)
        Reading times of one subject, strictly increasing.
    glucose_mg_dl : array_like of float
        CGM glucose in mg/dL. Sensor LOW/HIGH as 39/401 mg/dL
        (:func:`~analytics.glycemic.uncensor`): a LOW is already below 70.
    threshold_mg_dl : float, default 70
        Low threshold (level-1 hypoglycaemia, Battelino 2019).
    within_min : int, default 30
        Look-ahead window in minutes (a multiple of 5, at most 60).
    confirm_readings : int, default 2
        Consecutive readings whose lowest forecast must be below the threshold.

    Returns
    -------
    PredictedLowResult

    Notes
    -----
    low_i = min_{h = 5, 10, ..., within_min} forecast(t_i + h) < threshold, using only
    readings up to ``t_i`` (:func:`analytics.glycemic.forecast`, limited to the sensor's
    40-400 mg/dL range, so never negative). A reading is flagged when ``low`` holds for
    it and the reading before it had a forecast within 10 mg/dL of the threshold
    (:data:`CONFIRM_READINGS`, :data:`CONFIRM_MARGIN_MG_DL`): a single noisy reading
    does not raise the rule (:func:`low_flags`). Readings that are already low are
    flagged too when the forecast stays low; de-duplication with the ``hypo_level1``
    rule is the alerting layer's job.

    References
    ----------
    Battelino T, et al. Diabetes Care 2019;42(8):1593-1603.
    """
    if within_min % HORIZON_STEP_MIN or not HORIZON_STEP_MIN <= within_min <= 60:
        raise GlycemicInputError(
            f"within_min must be a multiple of 5 between 5 and 60; got {within_min!r}"
        )
    t_s = times_to_epoch_s(times)
    g = glucose_array(glucose_mg_dl, t_s.size)
    horizons = range(HORIZON_STEP_MIN, within_min + 1, HORIZON_STEP_MIN)
    stacked = np.vstack([forecast(times, g, horizon_min=h) for h in horizons])
    flags, lowest = low_flags(t_s, stacked, threshold_mg_dl, confirm_readings)
    return PredictedLowResult(RULE_ID, flags, lowest, _runs(t_s, flags, lowest))


def low_flags(
    t_s: FloatArray,
    forecasts_mg_dl: FloatArray,
    threshold_mg_dl: float = LOW_MG_DL,
    confirm_readings: int = CONFIRM_READINGS,
    confirm_margin_mg_dl: float = CONFIRM_MARGIN_MG_DL,
) -> tuple[np.ndarray, FloatArray]:
    """Per-reading flags from forecasts at several horizons.

    Parameters
    ----------
    t_s : ndarray of float
        Strictly increasing reading times, UTC epoch seconds.
    forecasts_mg_dl : ndarray, shape (n_horizons, n)
        Forecasts made at each reading for each horizon of the window (NaN if none).
    threshold_mg_dl : float, default 70
        Low threshold.
    confirm_readings : int, default 2
        Consecutive readings (each at most 20 min after the one before): the newest's
        lowest forecast must be below the threshold, the earlier ones' below the
        threshold plus ``confirm_margin_mg_dl``.
    confirm_margin_mg_dl : float, default 10
        Hysteresis for the earlier readings of the confirmation.

    Returns
    -------
    flags : ndarray of bool, shape (n,)
    lowest : ndarray of float, shape (n,)
        Lowest forecast over the horizons (NaN where none).

    Examples
    --------
    >>> t = np.arange(5) * 300.0
    >>> low = np.array([[90.0, 65.0, 90.0, 78.0, 66.0]])
    >>> low_flags(t, low)[0].tolist()
    [False, False, False, False, True]
    """
    finite = np.isfinite(forecasts_mg_dl).any(axis=0)
    lowest = np.full(t_s.size, np.nan)
    lowest[finite] = np.nanmin(forecasts_mg_dl[:, finite], axis=0)
    raw = np.zeros(t_s.size, dtype=bool)
    raw[finite] = lowest[finite] < threshold_mg_dl
    # linked[j]: reading j follows reading j - 1 within the forecast's bridging limit
    linked = np.r_[False, np.diff(t_s) <= MAX_BRIDGE_MIN * 60.0]
    near = np.zeros(t_s.size, dtype=bool)
    near[finite] = lowest[finite] < threshold_mg_dl + confirm_margin_mg_dl
    flags = raw.copy()
    for back in range(1, confirm_readings):
        flags &= _shifted(near, back) & _shifted(linked, back - 1)
    return flags, lowest


def _shifted(x: np.ndarray, by: int) -> np.ndarray:
    """``out[i] = x[i - by]`` (False before the start)."""
    out = np.zeros(x.size, dtype=bool)
    if by < x.size:
        out[by:] = x[: x.size - by]
    return out


def _runs(
    t_s: FloatArray, flags: np.ndarray, lowest: FloatArray
) -> tuple[PredictedLowFinding, ...]:
    edges = np.flatnonzero(np.diff(np.r_[0, flags.astype(np.int8), 0]))
    findings = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        findings.append(
            PredictedLowFinding(
                start=dt.datetime.fromtimestamp(float(t_s[start]), tz=dt.UTC),
                end=dt.datetime.fromtimestamp(float(t_s[stop - 1]), tz=dt.UTC),
                n_readings=int(stop - start),
                min_forecast_mg_dl=float(np.min(lowest[start:stop])),
            )
        )
    return tuple(findings)
