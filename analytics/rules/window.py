"""The rules' input: one participant's recent data, as numpy arrays.

Times everywhere in analytics.rules are float seconds since the Unix epoch (UTC), the
clock analytics.cardiac already uses; the alert worker converts ``timestamptz`` with
``EXTRACT(EPOCH FROM ts)`` or ``datetime.timestamp()``. Store device time, not receive
time (docs/architecture.md "Time").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from analytics.rules.errors import RuleInputError
from analytics.rules.wellbeing import CheckinRecord

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class DeviceKind(StrEnum):
    """Which stream a wearable feeds."""

    HR = "hr"
    CGM = "cgm"


@dataclass(frozen=True)
class DeviceStatus:
    """What the server knows about one wearable of the participant.

    Attributes
    ----------
    device_id : str
        The device's id (as bound to the participant).
    kind : DeviceKind
        Heart-rate strap or CGM.
    last_seen_s : float or None
        Time of its newest stored reading, seconds (UTC epoch); None if it never sent.
    gateway_seen_s : float or None
        Newest time the gateway reported (in its heartbeat) seeing the device over BLE;
        None if unknown. Tells a radio problem from an upload problem.
    battery_pct : float or None
        Newest Battery Level reading (0-100 %), None if unknown.
    battery_at_s : float or None
        When that battery reading was taken, seconds (UTC epoch).
    """

    device_id: str
    kind: DeviceKind
    last_seen_s: float | None
    gateway_seen_s: float | None = None
    battery_pct: float | None = None
    battery_at_s: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DeviceKind(self.kind))
        for name in ("last_seen_s", "gateway_seen_s", "battery_at_s", "battery_pct"):
            _optional_finite(getattr(self, name), f"DeviceStatus.{name}")
        if self.battery_pct is not None and not 0 <= self.battery_pct <= 100:
            msg = f"battery_pct should be 0-100 %; got {self.battery_pct!r} for {self.device_id}"
            raise RuleInputError(msg)


def _optional_finite(value: float | None, name: str) -> None:
    if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
        msg = f"{name} should be a finite number of seconds / percent or None; got {value!r}"
        raise RuleInputError(msg)


def _series(
    times: npt.ArrayLike, values: npt.ArrayLike, name: str
) -> tuple[FloatArray, FloatArray]:
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if t.ndim != 1 or v.shape != t.shape:
        msg = f"{name}: times and values should be 1-D of equal length; got {t.shape}, {v.shape}"
        raise RuleInputError(msg)
    if not (np.isfinite(t).all() and np.isfinite(v).all()):
        msg = f"{name}: times and values should be finite; drop missing samples first"
        raise RuleInputError(msg)
    if t.size > 1 and (np.diff(t) < 0).any():
        msg = f"{name}: times should be sorted ascending (seconds, UTC epoch); sort them first"
        raise RuleInputError(msg)
    return t, v


def _empty() -> FloatArray:
    return np.empty(0)


@dataclass(frozen=True, eq=False)
class ParticipantWindow:
    """One participant's data over ``[start_s, now]``, as the alert worker loads it.

    Attributes
    ----------
    start_s : float
        Start of the loaded span, seconds (UTC epoch). Load at least the longest
        look-back a rule needs (the hour of ``af_burden``, the 2 h of
        ``hyper_prolonged`` plus the 15-min episode end) before the newest data.
    hr_times_s, hr_bpm : ndarray of float
        Heart Rate Measurement samples (about 1 Hz) and their rate in bpm.
    rr_times_s, rr_ms : ndarray of float
        Time of the beat closing each RR interval and the interval in ms.
    cgm_times_s, cgm_mg_dl : ndarray of float
        CGM readings (usually every 5 min) in mg/dL. Sensor LOW and HIGH readings are
        included, as 39 and 401 mg/dL (:func:`analytics.glycemic.uncensor`): they are
        glucose below / above the sensor's range, never gaps, so a run of LOW raises
        ``hypo_level2`` and counts as CGM data present.
    devices : tuple of DeviceStatus
        The participant's wearables.
    gateway_id : str or None
        The home gateway, None if the participant has none bound.
    gateway_heartbeat_s : float or None
        Newest gateway heartbeat, seconds (UTC epoch); None if never received.
    checkins : tuple of CheckinRecord
        The participant's recent wellbeing check-ins (the wellbeing rules).

    Notes
    -----
    Arrays are validated and converted to float64 on construction: 1-D, finite,
    times sorted. Heart rate may be given without RR intervals and vice versa (rate
    rules then use :func:`analytics.cardiac.hr_from_rr`).
    """

    start_s: float
    hr_times_s: FloatArray = field(default_factory=_empty)
    hr_bpm: FloatArray = field(default_factory=_empty)
    rr_times_s: FloatArray = field(default_factory=_empty)
    rr_ms: FloatArray = field(default_factory=_empty)
    cgm_times_s: FloatArray = field(default_factory=_empty)
    cgm_mg_dl: FloatArray = field(default_factory=_empty)
    devices: tuple[DeviceStatus, ...] = ()
    gateway_id: str | None = None
    gateway_heartbeat_s: float | None = None
    checkins: tuple[CheckinRecord, ...] = ()

    def __post_init__(self) -> None:
        _optional_finite(self.start_s, "start_s")
        _optional_finite(self.gateway_heartbeat_s, "gateway_heartbeat_s")
        pairs = (("hr_times_s", "hr_bpm"), ("rr_times_s", "rr_ms"), ("cgm_times_s", "cgm_mg_dl"))
        for t_name, v_name in pairs:
            t, v = _series(getattr(self, t_name), getattr(self, v_name), v_name)
            object.__setattr__(self, t_name, t)
            object.__setattr__(self, v_name, v)
        if (self.rr_ms <= 0).any() or (self.cgm_mg_dl <= 0).any():
            msg = "rr_ms and cgm_mg_dl should be positive (ms, mg/dL); drop error codes first"
            raise RuleInputError(msg)
        object.__setattr__(self, "devices", tuple(self.devices))
        object.__setattr__(self, "checkins", tuple(self.checkins))

    def check_now(self, now_s: float) -> None:
        """Raise unless ``now_s`` is a finite time not before ``start_s``."""
        if not (isinstance(now_s, int | float) and math.isfinite(now_s)) or now_s < self.start_s:
            msg = (
                f"now_s should be a finite time at or after start_s ({self.start_s}); got {now_s!r}"
            )
            raise RuleInputError(msg)
