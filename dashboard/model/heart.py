"""A window of RR intervals read back from the API: HRV and AF share per 5 minutes.

The API summarises the last 24 hours (median HRV, AF burden); the page also shows how
they evolve inside the window the clinician zoomed to, computed with the same analytics
functions the server's rules use (``analytics.cardiac``: Task Force 1996 time-domain HRV
on 5-minute windows, the project's per-beat AF detector).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analytics import clinical_constants as cc
from analytics.cardiac import MONITORING, detect_af, hrv_windows
from dashboard.model.participant import Series


@dataclass(frozen=True)
class HeartWindow:
    rr_ms: Sequence[float]
    rmssd: Series
    sdnn: Series
    af_share: Series  # percent of beats labelled AF-like per 5-minute window


def analyse_rr(times: Sequence[dt.datetime], rr_ms: Sequence[float | None]) -> HeartWindow:
    """HRV and AF share per 5-min window of the beats in ``times`` (beat end times)."""
    pairs = [(t, v) for t, v in zip(times, rr_ms, strict=True) if v is not None and v > 0]
    if len(pairs) < 3:
        return HeartWindow([v for _, v in pairs], Series(), Series(), Series())
    t_s = np.array([t.timestamp() for t, _ in pairs], dtype=np.float64)
    rr = np.array([v for _, v in pairs], dtype=np.float64)
    window = cc.WINDOW_S
    # Times are those of the beat closing each interval; windows start on a 5-minute
    # boundary at or before the first interval's start.
    origin = float(np.floor((t_s[0] - rr[0] / 1000.0) / window) * window)
    hrv = hrv_windows(rr, times_s=t_s - origin, window_s=window, origin_s=0.0, sampen=False)
    starts = [dt.datetime.fromtimestamp(origin + s, dt.UTC) for s in hrv.start_s]
    # Windows with < 80% plausible beats are not judged (clinical_constants.MIN_COVERAGE).
    judged = hrv.coverage >= cc.MIN_COVERAGE

    def series(values: np.ndarray) -> Series:
        return Series(
            tuple(starts),
            tuple(
                float(v) if ok and np.isfinite(v) else None
                for v, ok in zip(values, judged, strict=True)
            ),
        )

    plausible = (rr >= cc.RR_MIN_MS) & (rr <= cc.RR_MAX_MS)
    af = np.zeros(rr.size, dtype=bool)
    if plausible.sum() >= 3:
        af[plausible] = detect_af(rr[plausible], params=MONITORING)
    slot = np.floor((t_s - origin) / window).astype(np.int64)
    shares = []
    for index in range(len(starts)):
        in_slot = slot == index
        count = int(in_slot.sum())
        shares.append(100.0 * float(af[in_slot].sum()) / count if count else None)
    return HeartWindow(
        [float(v) for v in rr],
        series(hrv.rmssd_ms),
        series(hrv.sdnn_ms),
        Series(tuple(starts), tuple(shares)),
    )
