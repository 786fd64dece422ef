"""Input checks shared by the analytics subpackages (private).

Public functions validate their parameters first and raise a ``ValueError`` subclass of
``AnalyticsError`` that names the parameter, in the style of ``scipy.signal``; each
subpackage passes its own error class.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from analytics.errors import AnalyticsError

FloatArray = npt.NDArray[np.float64]


def as_1d_float(
    values: npt.ArrayLike, name: str, *, error: type[AnalyticsError], allow_nan: bool = False
) -> FloatArray:
    """Return ``values`` as a 1-D float64 array of finite numbers (NaN if allowed)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} should be a 1-D sequence of numbers; could not convert it ({exc})"
        raise error(msg) from exc
    if arr.ndim != 1:
        raise error(f"{name} should be 1-D; it has shape {arr.shape}. Pass one series at a time")
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise error(
            f"{name} should contain only finite values; found {arr[first]!r} at index {first}. "
            "Drop or interpolate missing values before calling"
        )
    return arr


def as_times_s(
    times_s: npt.ArrayLike, name: str, *, error: type[AnalyticsError], n: int | None = None
) -> FloatArray:
    """Validate a non-decreasing time axis in seconds (of length ``n`` when given)."""
    arr = as_1d_float(times_s, name, error=error)
    if n is not None and arr.size != n:
        raise error(f"{name} should have one entry per value ({n}); it has {arr.size}")
    if arr.size > 1:
        back = np.diff(arr) < 0
        if back.any():
            first = int(np.flatnonzero(back)[0]) + 1
            raise error(
                f"{name} should be sorted in time (non-decreasing); it goes back at "
                f"index {first}. Sort first"
            )
    return arr
