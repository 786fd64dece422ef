"""Input validation and time conversion shared by the glycaemic functions.

Every public glycaemic function accepts ``times`` either as timezone-aware
``datetime`` objects (any sequence, including pandas' tz-aware Timestamps) or as
numpy ``datetime64`` values read as UTC, and works internally on float64 UTC epoch
seconds. Local calendar days come from the ``tz`` argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analytics.errors import GlycemicInputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SECONDS_PER_DAY = 86_400
# tzdata places every modern UTC-offset transition on a 15-minute boundary of UTC, so the
# offset is constant inside each aligned 15-minute bucket (evaluated once per bucket).
_OFFSET_BUCKET_S = 900

TzLike = str | dt.tzinfo


def resolve_tz(tz: TzLike) -> dt.tzinfo:
    """Return a tzinfo for ``tz`` (an IANA name such as "Asia/Seoul" or "EST", or a tzinfo)."""
    if isinstance(tz, dt.tzinfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise GlycemicInputError(
                f"tz must name an IANA time zone such as 'Asia/Seoul' or 'EST'; got {tz!r}; "
                "pass a valid zone name or a tzinfo object"
            ) from exc
    raise GlycemicInputError(
        f"tz must be a time-zone name (str) or a tzinfo; got {type(tz).__name__}"
    )


def times_to_epoch_s(times: ArrayLike | Sequence[dt.datetime], name: str = "times") -> FloatArray:
    """Convert aware datetimes or UTC datetime64 values to float64 UTC epoch seconds."""
    arr = np.asarray(times)
    if arr.ndim != 1:
        raise GlycemicInputError(f"{name} must be one-dimensional; got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.datetime64):
        if np.isnat(arr).any():
            raise GlycemicInputError(f"{name} contains NaT; drop readings without a time first")
        ns = arr.astype("datetime64[ns]").astype(np.int64)
        return ns.astype(np.float64) / 1e9
    return np.fromiter((_aware_to_epoch(v, name) for v in arr), dtype=np.float64, count=arr.size)


def _aware_to_epoch(value: Any, name: str) -> float:
    if not isinstance(value, dt.datetime):
        raise GlycemicInputError(
            f"{name} must hold timezone-aware datetimes or numpy datetime64 (UTC); "
            f"found {type(value).__name__}"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise GlycemicInputError(
            f"{name} holds a naive datetime ({value.isoformat()}); attach its time zone "
            "(e.g. datetime(..., tzinfo=ZoneInfo('Asia/Seoul'))) or pass datetime64 in UTC"
        )
    return value.timestamp()


def glucose_array(glucose_mg_dl: ArrayLike, n_times: int) -> FloatArray:
    """Validate glucose values (finite, positive mg/dL, same length as the times)."""
    g = np.asarray(glucose_mg_dl, dtype=np.float64)
    if g.ndim != 1:
        raise GlycemicInputError(f"glucose_mg_dl must be one-dimensional; got shape {g.shape}")
    if g.size != n_times:
        raise GlycemicInputError(
            f"glucose_mg_dl must have one value per time: got {g.size} values for "
            f"{n_times} times; pass matching arrays"
        )
    if not np.isfinite(g).all():
        raise GlycemicInputError(
            "glucose_mg_dl must be finite; found NaN or inf; drop missing readings first"
        )
    if (g <= 0).any():
        raise GlycemicInputError(
            f"glucose_mg_dl must be positive mg/dL; found minimum {g.min():g}; "
            "check the units and drop sensor error codes"
        )
    return g


def validated(
    times: ArrayLike | Sequence[dt.datetime], glucose_mg_dl: ArrayLike, tz: TzLike
) -> tuple[FloatArray, FloatArray, dt.tzinfo]:
    """Validate one subject's series; return (UTC epoch s, glucose mg/dL, tzinfo)."""
    zone = resolve_tz(tz)
    t_s = times_to_epoch_s(times)
    g = glucose_array(glucose_mg_dl, t_s.size)
    if t_s.size == 0:
        raise GlycemicInputError("times is empty; at least one reading is needed")
    return t_s, g, zone


def utc_offsets_s(t_s: FloatArray, zone: dt.tzinfo) -> FloatArray:
    """UTC offset in seconds of ``zone`` at each instant (one zone lookup per 15-min bucket)."""
    buckets = np.floor(t_s / _OFFSET_BUCKET_S).astype(np.int64)
    uniq, inverse = np.unique(buckets, return_inverse=True)
    offsets = np.array([_offset_at(float(b) * _OFFSET_BUCKET_S, zone) for b in uniq])
    return offsets[inverse].astype(np.float64)


def _offset_at(epoch_s: float, zone: dt.tzinfo) -> float:
    offset = dt.datetime.fromtimestamp(epoch_s, tz=zone).utcoffset()
    return 0.0 if offset is None else offset.total_seconds()


def local_day_index(t_s: FloatArray, zone: dt.tzinfo) -> IntArray:
    """Local calendar day of each instant, as days since 1970-01-01 (local)."""
    local_s = t_s + utc_offsets_s(t_s, zone)
    return np.floor(local_s / SECONDS_PER_DAY).astype(np.int64)


def local_midnight_epoch_s(day_index: int, zone: dt.tzinfo) -> float:
    """UTC epoch seconds of 00:00 local time on the given local day index."""
    day = dt.date(1970, 1, 1) + dt.timedelta(days=day_index)
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def epoch_to_datetime(epoch_s: float, zone: dt.tzinfo) -> dt.datetime:
    """Aware datetime in ``zone`` for UTC epoch seconds."""
    return dt.datetime.fromtimestamp(epoch_s, tz=zone)
