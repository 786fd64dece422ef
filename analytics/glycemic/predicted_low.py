"""Predicted-low rule: the forecast falls below 70 mg/dL within the next 30 minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from analytics.clinical_constants import LOW_MG_DL, PREDICTED_LOW_WITHIN_MIN
from analytics.errors import GlycemicInputError
from analytics.glycemic._inputs import FloatArray, glucose_array, times_to_epoch_s
from analytics.glycemic.forecast import forecast

# Forecast horizons checked inside the window (the forecast supports multiples of 5 min).
HORIZON_STEP_MIN = 5
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

    Returns
    -------
    PredictedLowResult

    Notes
    -----
    flag_i = min_{h = 5, 10, ..., within_min} forecast(t_i + h) < threshold, using only
    readings up to ``t_i`` (:func:`analytics.glycemic.forecast`). Readings that are
    already low are flagged too when the forecast stays low; de-duplication with the
    ``hypo_level1`` rule is the alerting layer's job.

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
    finite = np.isfinite(stacked).any(axis=0)
    lowest = np.full(t_s.size, np.nan)
    lowest[finite] = np.nanmin(stacked[:, finite], axis=0)
    flags = np.zeros(t_s.size, dtype=bool)
    flags[finite] = lowest[finite] < threshold_mg_dl
    return PredictedLowResult(RULE_ID, flags, lowest, _runs(t_s, flags, lowest))


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
