"""Builders of synthetic participant windows for the rule tests (plain functions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from analytics.rules import ParticipantWindow

#: 2026-01-01T00:00:00Z, a multiple of 300 s so gate windows start at T0.
T0 = 1_767_225_600.0


def heart(
    segments: Sequence[tuple[float, float]],
    *,
    start_s: float = T0,
    keep_s_of_10: float = 10.0,
) -> dict[str, Any]:
    """HR samples at 1 Hz and RR intervals for piecewise-constant heart rate.

    ``segments`` are (duration_s, bpm). ``keep_s_of_10`` < 10 drops the beats and samples
    of the last ``10 - keep_s_of_10`` seconds of every 10 s (coverage keep/10).
    """
    hr_t, hr, rr_t, rr = [], [], [], []
    t = start_s
    for duration_s, bpm in segments:
        hr_t.append(t + np.arange(0.0, duration_s))
        hr.append(np.full(int(duration_s), float(bpm)))
        n = int(np.floor(duration_s * bpm / 60.0 + 1e-9))
        rr_ms = np.full(n, 60000.0 / bpm)
        rr.append(rr_ms)
        rr_t.append(t + np.cumsum(rr_ms) / 1000.0)
        t += duration_s
    out = {
        "hr_times_s": np.concatenate(hr_t),
        "hr_bpm": np.concatenate(hr),
        "rr_times_s": np.concatenate(rr_t),
        "rr_ms": np.concatenate(rr),
    }
    if keep_s_of_10 < 10.0:
        out = _thin(out, start_s, keep_s_of_10)
    return out


def _thin(series: dict[str, np.ndarray], start_s: float, keep_s: float) -> dict[str, np.ndarray]:
    keep_hr = (series["hr_times_s"] - start_s) % 10.0 < keep_s
    beat_start = series["rr_times_s"] - series["rr_ms"] / 1000.0
    keep_rr = (beat_start - start_s) % 10.0 < keep_s - 1e-9
    keep_rr &= (series["rr_times_s"] - start_s) % 10.0 <= keep_s + 1e-9
    return {
        "hr_times_s": series["hr_times_s"][keep_hr],
        "hr_bpm": series["hr_bpm"][keep_hr],
        "rr_times_s": series["rr_times_s"][keep_rr],
        "rr_ms": series["rr_ms"][keep_rr],
    }


def cgm(values: Sequence[float], *, start_s: float = T0, step_s: float = 300.0) -> dict[str, Any]:
    """CGM readings every ``step_s`` seconds."""
    g = np.asarray(values, dtype=float)
    return {"cgm_times_s": start_s + step_s * np.arange(g.size), "cgm_mg_dl": g}


def window(start_s: float = T0, **parts: Any) -> ParticipantWindow:
    """A ParticipantWindow from builder outputs and keyword fields."""
    return ParticipantWindow(start_s=start_s, **parts)


def last_time(w: ParticipantWindow) -> float:
    """Newest sample time of any stream."""
    arrays = (w.hr_times_s, w.rr_times_s, w.cgm_times_s)
    return max(float(a[-1]) for a in arrays if a.size)
