"""Input validation shared by the cardiac modules (private).

Every public function validates its parameters first and raises
:class:`~analytics.errors.CardiacInputError` (a ``ValueError``) naming the parameter,
in the style of ``scipy.signal``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from analytics import _validate as _shared
from analytics.errors import CardiacInputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


def as_1d_float(values: npt.ArrayLike, name: str, *, allow_nan: bool = False) -> FloatArray:
    """Return ``values`` as a 1-D float64 array or raise naming ``name``."""
    return _shared.as_1d_float(values, name, error=CardiacInputError, allow_nan=allow_nan)


def as_rr_ms(rr_ms: npt.ArrayLike, name: str = "rr_ms") -> FloatArray:
    """Validate an RR series: 1-D, finite, strictly positive (milliseconds)."""
    arr = as_1d_float(rr_ms, name)
    nonpos = arr <= 0
    if nonpos.any():
        first = int(np.flatnonzero(nonpos)[0])
        msg = (
            f"{name} should hold positive RR intervals in milliseconds; found {arr[first]!r} "
            f"at index {first}"
        )
        raise CardiacInputError(msg)
    return arr


def as_times_s(times_s: npt.ArrayLike, n: int, name: str = "times_s") -> FloatArray:
    """Validate a time axis of length ``n`` in seconds, non-decreasing."""
    return _shared.as_times_s(times_s, name, error=CardiacInputError, n=n)


def check_positive(value: float, name: str) -> None:
    """Raise unless ``value`` is a finite number > 0."""
    if not np.isfinite(value) or value <= 0:
        msg = f"{name} should be a finite number > 0; got {value!r}"
        raise CardiacInputError(msg)


def check_fraction(value: float, name: str) -> None:
    """Raise unless ``0 <= value <= 1``."""
    if not np.isfinite(value) or not 0.0 <= value <= 1.0:
        msg = f"{name} should be a fraction between 0 and 1; got {value!r}"
        raise CardiacInputError(msg)


def check_odd_window(value: int, name: str, minimum: int = 1) -> None:
    """Raise unless ``value`` is an odd integer >= ``minimum``."""
    if int(value) != value or value < minimum or value % 2 == 0:
        msg = f"{name} should be an odd integer >= {minimum}; got {value!r}"
        raise CardiacInputError(msg)


def beat_end_times_s(rr_ms: FloatArray) -> FloatArray:
    """Time at which each RR interval ends, in seconds from the first beat."""
    return np.cumsum(rr_ms) / 1000.0
