"""Sensor LOW and HIGH: readings beyond the CGM's range are glucose, not gaps.

A CGM reports glucose between 40 and 400 mg/dL (Dexcom G6/G7, FreeStyle Libre 2/3);
outside it the receiver shows "LOW" or "HIGH" and the server stores the reading with
the flag ``censored_low`` / ``censored_high`` and no value. Dropping such readings as
missing would make a run of LOW, the most dangerous hypoglycaemia, look like a gap that
raises nothing. Every glycaemic input therefore goes through :func:`uncensor` first, so
that rules, metrics and the forecast all see the same numbers:

* LOW -> :data:`LOW_MG_DL` = 39 mg/dL, one below the 40 mg/dL reporting floor. It is
  below 54 and 70 mg/dL, so LOW counts toward time below range and the level-1 and
  level-2 hypoglycaemia episodes, but it does not invent a depth the sensor never
  measured (the true value may be anywhere below 40; 39 is the least extreme value
  consistent with the reading, so means and risk indices are not exaggerated).
* HIGH -> :data:`HIGH_MG_DL` = 401 mg/dL, one above the 400 mg/dL ceiling, by the same
  reasoning: above 180 and 250 mg/dL, no deeper.

Both substituted readings count as present for coverage and active time: the sensor
was worn and working, it only saturated.

iglu takes numbers only and leaves LOW/HIGH to the caller; metrics on censored data
match iglu's when iglu is given the same substituted values.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analytics.errors import GlycemicInputError

FloatArray = NDArray[np.float64]

#: Reportable range of current CGMs in mg/dL (Dexcom G6/G7: 40-400).
SENSOR_MIN_MG_DL: Final = 40.0
SENSOR_MAX_MG_DL: Final = 400.0
#: Value used for a sensor LOW: one below the floor (below 54 and 70, no deeper).
LOW_MG_DL: Final = SENSOR_MIN_MG_DL - 1.0
#: Value used for a sensor HIGH: one above the ceiling (above 180 and 250, no higher).
HIGH_MG_DL: Final = SENSOR_MAX_MG_DL + 1.0


def uncensor(values: ArrayLike, censored_low: ArrayLike, censored_high: ArrayLike) -> FloatArray:
    """Glucose in mg/dL with sensor LOW and HIGH readings replaced by numbers.

    Parameters
    ----------
    values : array_like of float
        Stored glucose in mg/dL; NaN (or anything) where the reading is censored.
    censored_low, censored_high : array_like of bool
        Per reading: the sensor reported LOW (below its range) or HIGH (above it).

    Returns
    -------
    ndarray of float
        ``values`` with LOW -> :data:`LOW_MG_DL` (39) and HIGH -> :data:`HIGH_MG_DL`
        (401); see the module docstring for why these two numbers.

    Raises
    ------
    GlycemicInputError
        Shapes differ, or a reading is flagged both LOW and HIGH.

    Examples
    --------
    >>> uncensor([np.nan, 80.0, np.nan], [True, False, False], [False, False, True])
    array([ 39.,  80., 401.])
    """
    v = np.array(values, dtype=np.float64)
    low = np.asarray(censored_low, dtype=bool)
    high = np.asarray(censored_high, dtype=bool)
    if v.ndim != 1 or low.shape != v.shape or high.shape != v.shape:
        msg = (
            "uncensor: values, censored_low and censored_high should be 1-D of equal "
            f"length; got {v.shape}, {low.shape}, {high.shape}"
        )
        raise GlycemicInputError(msg)
    if (low & high).any():
        msg = "uncensor: a reading cannot be both LOW and HIGH; check the stored flags"
        raise GlycemicInputError(msg)
    v[low] = LOW_MG_DL
    v[high] = HIGH_MG_DL
    return v
