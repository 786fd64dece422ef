"""Sample entropy (Richman & Moorman 2000) of a short series such as 5 minutes of NN."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from analytics.cardiac._validate import FloatArray, as_1d_float
from analytics.errors import CardiacInputError

# Richman & Moorman 2000 (and Task-Force-era HRV practice): template length m = 2 and
# tolerance r = 0.2 x SD of the series.
SAMPEN_M = 2
SAMPEN_R_SD = 0.2


def _match_pairs(x: FloatArray, m: int, r: float) -> tuple[int, int]:
    """Count template pairs (i < j) matching for length m (B) and m + 1 (A).

    The same N - m templates are used for both lengths, as in Richman & Moorman.
    """
    n_templates = x.size - m
    idx = np.arange(n_templates)
    # Chebyshev distance between templates, built one template element at a time.
    dist = np.zeros((n_templates, n_templates))
    for k in range(m):
        col = x[idx + k]
        np.maximum(dist, np.abs(col[:, None] - col[None, :]), out=dist)
    upper = np.triu(np.ones((n_templates, n_templates), dtype=bool), k=1)
    match_m = (dist <= r) & upper
    col = x[idx + m]
    match_m1 = match_m & (np.abs(col[:, None] - col[None, :]) <= r)
    return int(match_m.sum()), int(match_m1.sum())


def sample_entropy(
    x: npt.ArrayLike, m: int = SAMPEN_M, r: float | None = None, *, r_sd: float = SAMPEN_R_SD
) -> float:
    """Sample entropy SampEn(m, r) of a series.

    Parameters
    ----------
    x : array_like of float, shape (n,)
        The series, e.g. NN intervals in ms (any unit; ``r`` is in the same unit).
    m : int, optional
        Template length (default 2).
    r : float, optional
        Absolute tolerance in the unit of ``x``. Default ``r_sd`` times the sample
        standard deviation (ddof=1) of ``x``.
    r_sd : float, optional
        Tolerance as a multiple of the SD when ``r`` is not given (default 0.2).

    Returns
    -------
    float
        :math:`-\\ln(A/B)`; NaN when it is undefined (fewer than ``m + 2`` points, a
        constant series, or no matching template pair: ``A == 0`` or ``B == 0``).

    Notes
    -----
    With templates :math:`u_m(i) = (x_i, \\dots, x_{i+m-1})` for
    :math:`i = 1 \\dots N-m`, :math:`B` counts pairs :math:`i < j` whose Chebyshev
    distance is :math:`\\le r` and :math:`A` the pairs that still match at length
    :math:`m+1`; self-matches are excluded.

    .. math:: \\mathrm{SampEn}(m, r, N) = -\\ln \\frac{A}{B}

    Cost is :math:`O(N^2)` memory and time: intended for 5-minute windows (a few
    hundred beats).

    References
    ----------
    .. [1] Richman JS, Moorman JR. Physiological time-series analysis using approximate
       entropy and sample entropy. Am J Physiol Heart Circ Physiol 2000;278:H2039-H2049.

    Examples
    --------
    >>> round(sample_entropy([1.0, 2.0] * 50), 6)
    0.0
    """
    arr = as_1d_float(x, "x")
    if int(m) != m or m < 1:
        msg = f"m should be an integer >= 1; got {m!r}"
        raise CardiacInputError(msg)
    if arr.size < m + 2:
        return float("nan")
    tol = r_sd * float(np.std(arr, ddof=1)) if r is None else float(r)
    if not np.isfinite(tol) or tol < 0:
        msg = f"r should be a finite tolerance >= 0; got {r!r}"
        raise CardiacInputError(msg)
    if tol == 0:
        return float("nan")
    b, a = _match_pairs(arr, int(m), tol)
    if a == 0 or b == 0:
        return float("nan")
    return float(np.log(b / a))
