"""Input validation shared by the data-quality modules (private).

Public functions validate their parameters first and raise
:class:`~analytics.quality.errors.QualityInputError` (a ``ValueError``) naming the
parameter, in the style of ``scipy.signal``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from analytics import _validate as _shared
from analytics.quality.errors import QualityInputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


def as_1d_float(values: npt.ArrayLike, name: str, *, allow_nan: bool = False) -> FloatArray:
    """Return ``values`` as a 1-D float64 array of finite numbers or raise naming ``name``."""
    return _shared.as_1d_float(values, name, error=QualityInputError, allow_nan=allow_nan)


def as_times_s(times_s: npt.ArrayLike, name: str = "times_s", n: int | None = None) -> FloatArray:
    """Validate a non-decreasing time axis in seconds (optionally of length ``n``)."""
    return _shared.as_times_s(times_s, name, error=QualityInputError, n=n)


def as_mask(values: npt.ArrayLike, name: str, n: int) -> BoolArray:
    """Validate a boolean mask of length ``n``."""
    arr = np.asarray(values)
    if arr.shape != (n,) or arr.dtype != np.bool_:
        msg = f"{name} should be a bool array with one entry per sample ({n}); got {arr.dtype}"
        msg += f" of shape {arr.shape}"
        raise QualityInputError(msg)
    return arr


def check_positive(value: float, name: str) -> None:
    """Raise unless ``value`` is a finite number > 0."""
    if not np.isfinite(value) or value <= 0:
        msg = f"{name} should be a finite number > 0; got {value!r}"
        raise QualityInputError(msg)
