"""Absolute time helpers: UTC epoch seconds and the participant's local day.

Every generator works in UTC epoch seconds (float). Local time enters only through a
fixed UTC offset: the pilot's zone, Asia/Seoul, has been UTC+09:00 with no daylight
saving time since 1988 (IANA tz database, file ``asia``), so a constant offset is exact
for any date the pilot can see and keeps these functions pure and vectorisable.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import numpy.typing as npt

from simulators.physiology.errors import ParameterError

FloatArray = npt.NDArray[np.float64]

#: Asia/Seoul is UTC+09:00 without DST since 1988 (IANA tz database, ``asia``).
SEOUL_UTC_OFFSET_S = 9 * 3600
SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600


def epoch_s(moment: datetime) -> float:
    """Return UTC epoch seconds for a timezone-aware datetime.

    Parameters
    ----------
    moment : datetime
        Must be timezone-aware; naive datetimes are ambiguous and rejected.

    Returns
    -------
    float
        Seconds since 1970-01-01T00:00:00Z.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"moment must be timezone-aware, got naive {moment!r}; "
            "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Asia/Seoul'))"
        )
    return moment.timestamp()


def local_day_index(t_s: float, utc_offset_s: int) -> int:
    """Return the local calendar day number (days since 1970-01-01 local) of ``t_s``."""
    return int(np.floor((t_s + utc_offset_s) / SECONDS_PER_DAY))


def local_day_start_s(day_index: int, utc_offset_s: int) -> float:
    """Return the UTC epoch seconds of local midnight that starts ``day_index``."""
    return float(day_index * SECONDS_PER_DAY - utc_offset_s)


def local_hour(t_s: FloatArray, utc_offset_s: int) -> FloatArray:
    """Return the local clock time in hours, in ``[0, 24)``, for epoch seconds ``t_s``."""
    return np.mod(t_s + utc_offset_s, SECONDS_PER_DAY) / SECONDS_PER_HOUR


def days_covering(start_s: float, end_s: float, utc_offset_s: int) -> range:
    """Return the local day indices whose days overlap ``[start_s, end_s)``."""
    first = local_day_index(start_s, utc_offset_s)
    last = local_day_index(np.nextafter(end_s, -np.inf), utc_offset_s)
    return range(first, max(first, last) + 1)


def interval_end_s(start_s: float, duration_s: float) -> float:
    """End of ``[start_s, start_s + duration_s)``; refuse non-finite or negative spans.

    Raises
    ------
    ParameterError
        If ``start_s`` or ``duration_s`` is not finite, or ``duration_s`` < 0.
    """
    if not (math.isfinite(start_s) and math.isfinite(duration_s) and duration_s >= 0):
        raise ParameterError(
            f"expected finite start_s and duration_s >= 0, got {start_s}, {duration_s}"
        )
    return start_s + duration_s
