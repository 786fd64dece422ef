"""Pure summaries for the participant page: heart (HRV, AF burden), CGM (metrics, AGP,
sufficiency) and the gateway's state naming the failing hop. Arrays in, plain dicts out;
the thresholds and formulas live in ``analytics``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from analytics.cardiac import MONITORING, af_burden, detect_af, hrv_windows
from analytics.clinical_constants import (
    MIN_COVERAGE,
    REPORT_MIN_ACTIVE_PERCENT,
    REPORT_PERIOD_DAYS,
)
from analytics.errors import GlycemicInputError
from analytics.glycemic import agp_percentiles, cgm_metrics, data_sufficiency, uncensor
from analytics.rules import (
    DeviceKind,
    DeviceStatus,
    ParticipantWindow,
    Thresholds,
    gateway_offline_findings,
    stale_device_findings,
)
from ingest.flags import FLAG_BITS

FloatArray = npt.NDArray[np.float64]

_CENSORED_LOW = FLAG_BITS["censored_low"]
_CENSORED_HIGH = FLAG_BITS["censored_high"]

# HRV windows with less coverage are not reported (docs/clinical.md "Coverage").
HRV_MIN_COVERAGE = MIN_COVERAGE
# Fewer beats than this (about 2 minutes) give no meaningful AF burden.
AF_MIN_BEATS = 120


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def heart_summary(rr_times_s: FloatArray, rr_ms: FloatArray) -> dict[str, object]:
    """HRV (median of well-covered 5-min windows) and AF burden over the RR given."""
    if rr_ms.size < AF_MIN_BEATS:
        return {"beats": int(rr_ms.size), "hrv": None, "af": None}
    windows = hrv_windows(rr_ms, times_s=rr_times_s, sampen=False)
    good = windows.coverage >= HRV_MIN_COVERAGE
    hrv: dict[str, object] | None = None
    if good.any():
        hrv = {
            "windows": int(good.sum()),
            "sdnn_ms": _finite(float(np.median(windows.sdnn_ms[good]))),
            "rmssd_ms": _finite(float(np.median(windows.rmssd_ms[good]))),
            "mean_nn_ms": _finite(float(np.median(windows.mean_nn_ms[good]))),
            "pnn50_pct": _finite(float(np.median(windows.pnn50_pct[good]))),
        }
    labels = detect_af(rr_ms, params=MONITORING)
    burden = af_burden(labels, rr_ms, times_s=rr_times_s)
    return {
        "beats": int(rr_ms.size),
        "hrv": hrv,
        "af": {
            "burden_pct": _finite(burden.percent),
            "minutes_last_hour": _finite(burden.minutes_last_window),
            "episodes": burden.n_episodes,
        },
    }


def glucose_summary(
    times: Sequence[dt.datetime],
    values: Sequence[float | None],
    flags: Sequence[int],
    tz: str,
    now: dt.datetime,
) -> dict[str, object]:
    """Consensus metrics and the AGP over the last 14 days, marked when insufficient.

    Sensor LOW and HIGH readings (``value`` None) enter as
    :func:`analytics.glycemic.uncensor` puts them, below and above the sensor's range.
    """
    glucose_mg_dl = uncensor(
        [math.nan if v is None else v for v in values],
        [bool(f & _CENSORED_LOW) for f in flags],
        [bool(f & _CENSORED_HIGH) for f in flags],
    )
    start = now - dt.timedelta(days=REPORT_PERIOD_DAYS)
    enough = data_sufficiency(list(times), start) if times else None
    sufficiency = {
        "active_pct": 0.0 if enough is None else round(enough.active_percent, 1),
        "sufficient": bool(enough and enough.sufficient),
        "required_pct": REPORT_MIN_ACTIVE_PERCENT,
        "period_days": REPORT_PERIOD_DAYS,
    }
    if len(times) < 2:
        return {"readings": len(times), "sufficiency": sufficiency, "metrics": None, "agp": None}
    try:
        raw = cgm_metrics(list(times), glucose_mg_dl, tz)
        agp = agp_percentiles(list(times), glucose_mg_dl, tz)
    except GlycemicInputError as exc:
        # Readings the metrics cannot be computed from (e.g. a sensor read only every hour,
        # beyond the 45-min gap the consensus grid interpolates over) are a data-quality
        # finding for the nurse, not a server error.
        return {
            "readings": len(times),
            "sufficiency": {**sufficiency, "sufficient": False},
            "metrics": None,
            "agp": None,
            "unavailable": str(exc),
        }
    metrics = {k: _finite(v) for k, v in raw.items()}
    return {
        "readings": len(times),
        "sufficiency": sufficiency,
        "metrics": metrics,
        "agp": {
            "minute_of_day": [int(m) for m in agp.minute_of_day],
            "percentiles": list(agp.percentiles),
            "glucose_mg_dl": [[_finite(float(x)) for x in row] for row in agp.glucose_mg_dl],
            "n_days": [int(n) for n in agp.n_days],
        },
    }


@dataclass(frozen=True, slots=True)
class DeviceState:
    """What the server knows of one bound wearable."""

    device_id: str
    kind: str
    last_seen: dt.datetime | None
    gateway_seen: dt.datetime | None
    battery_pct: float | None


def gateway_status(
    devices: Sequence[DeviceState],
    gateway_id: str | None,
    heartbeat_at: dt.datetime | None,
    now: dt.datetime,
    thresholds: Thresholds | None = None,
) -> dict[str, object]:
    """The data path's state: stale devices and an offline gateway, each naming its hop."""
    th = thresholds or Thresholds()
    seen = [d.last_seen for d in devices if d.last_seen is not None]
    start = min([*seen, now - dt.timedelta(hours=1)])
    window = ParticipantWindow(
        start_s=start.timestamp(),
        devices=tuple(
            DeviceStatus(
                d.device_id,
                DeviceKind(d.kind),
                _epoch(d.last_seen),
                _epoch(d.gateway_seen),
                d.battery_pct,
            )
            for d in devices
        ),
        gateway_id=gateway_id,
        gateway_heartbeat_s=_epoch(heartbeat_at),
    )
    now_s = now.timestamp()
    problems = [
        *gateway_offline_findings(window, th, now_s),
        *stale_device_findings(window, th, now_s),
    ]
    hops = [str(f.context.get("hop")) for f in problems]
    return {
        "gateway_id": gateway_id,
        "last_heartbeat": heartbeat_at,
        "ok": not problems,
        "failing_hop": hops[0] if hops else None,
        "problems": [
            {"rule_id": f.rule_id, "summary": f.summary, "context": dict(f.context)}
            for f in problems
        ],
    }


def _epoch(t: dt.datetime | None) -> float | None:
    return None if t is None else t.timestamp()
