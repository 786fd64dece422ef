"""Technical rules: ``stale_device``, ``gateway_offline``, ``battery_low``.

Each names what failed. The path of a reading is wearable --BLE--> gateway --HTTPS-->
server (docs/architecture.md "Data flow"), so silence is blamed on a hop:

* no gateway heartbeat: the gateway or its internet link (``gateway->server``);
* heartbeat fine, but the gateway has not seen the wearable over BLE: the radio hop
  (``wearable->gateway``: device off, flat, out of range or not worn near the hub);
* heartbeat fine and the gateway sees the wearable, yet no readings are stored: the
  upload (``gateway-upload``: outbox or ingestion rejecting batches);
* no gateway bound, or a heartbeat that does not report BLE sightings: ``unknown``.
"""

from __future__ import annotations

from enum import StrEnum

from analytics.clinical_constants import Severity
from analytics.quality import silent_s, stale_mask
from analytics.rules.finding import Finding, FindingKind
from analytics.rules.thresholds import RuleId, Thresholds
from analytics.rules.window import DeviceKind, DeviceStatus, ParticipantWindow


class Hop(StrEnum):
    """Which link of the data path failed."""

    WEARABLE_TO_GATEWAY = "wearable->gateway"
    GATEWAY_TO_SERVER = "gateway->server"
    GATEWAY_UPLOAD = "gateway-upload"
    UNKNOWN = "unknown"


def _stale(last_s: float | None, now_s: float, limit_s: float) -> bool:
    return bool(stale_mask([float("nan") if last_s is None else last_s], now_s, limit_s)[0])


def _gateway_down(window: ParticipantWindow, th: Thresholds, now_s: float) -> bool:
    limit_s = 60.0 * th.gateway_offline.limit_min
    return window.gateway_id is not None and _stale(window.gateway_heartbeat_s, now_s, limit_s)


def _hop(device: DeviceStatus, window: ParticipantWindow, th: Thresholds, now_s: float) -> Hop:
    if window.gateway_id is None:
        return Hop.UNKNOWN
    if _gateway_down(window, th, now_s):
        return Hop.GATEWAY_TO_SERVER
    if device.gateway_seen_s is None:  # the heartbeat does not report BLE sightings
        return Hop.UNKNOWN
    if _stale(device.gateway_seen_s, now_s, _limit_s(device, th)):
        return Hop.WEARABLE_TO_GATEWAY
    return Hop.GATEWAY_UPLOAD


def _limit_s(device: DeviceStatus, th: Thresholds) -> float:
    rule = th.stale_device
    return 60.0 * (rule.hr_limit_min if device.kind is DeviceKind.HR else rule.cgm_limit_min)


def stale_device_findings(
    window: ParticipantWindow, thresholds: Thresholds, now_s: float
) -> list[Finding]:
    """``stale_device`` (LOW, technical): no data from a device > 15 min (HR) / 30 min (CGM).

    Parameters
    ----------
    window : ParticipantWindow
        ``devices`` (last stored reading, last BLE sighting) and the gateway heartbeat.
    thresholds : Thresholds
        ``stale_device`` limits; ``gateway_offline`` to blame the gateway hop.
    now_s : float
        Evaluation time, seconds (UTC epoch).

    Returns
    -------
    list of Finding
        One per silent device, ongoing, onset at its last reading (``start_s`` if it
        never sent one); ``worst_value`` the silence in minutes; context ``device_id``,
        ``device_kind`` and ``hop`` (see the module docstring).

    Notes
    -----
    Stale when :math:`now - t_{last} > limit` (:func:`analytics.quality.stale_mask`).
    """
    out = []
    for device in window.devices:
        limit_s = _limit_s(device, thresholds)
        if not _stale(device.last_seen_s, now_s, limit_s):
            continue
        onset = window.start_s if device.last_seen_s is None else device.last_seen_s
        silent_min = float(silent_s([onset], now_s)[0]) / 60.0
        hop = _hop(device, window, thresholds, now_s)
        summary = (
            f"No {device.kind.value.upper()} data from {device.device_id} for "
            f"{silent_min:.0f} min (limit {limit_s / 60:g}); failing hop: {hop.value}"
        )
        out.append(
            Finding(
                RuleId.STALE_DEVICE.value,
                thresholds.stale_device.version,
                Severity.LOW,
                FindingKind.TECHNICAL,
                onset,
                None,
                silent_min,
                "min",
                {"silent_min": silent_min, "limit_min": limit_s / 60.0},
                {"device_id": device.device_id, "device_kind": device.kind.value, "hop": hop.value},
                summary,
            )
        )
    return out


def gateway_offline_findings(
    window: ParticipantWindow, thresholds: Thresholds, now_s: float
) -> list[Finding]:
    """``gateway_offline`` (LOW, technical): gateway heartbeat absent > 10 min.

    Parameters
    ----------
    window : ParticipantWindow
        ``gateway_id`` and ``gateway_heartbeat_s``; nothing is raised without a gateway.
    thresholds : Thresholds
        ``gateway_offline.limit_min``.
    now_s : float
        Evaluation time, seconds (UTC epoch).

    Returns
    -------
    list of Finding
        At most one, ongoing, onset at the last heartbeat (``start_s`` if none);
        context ``gateway_id`` and ``hop`` = ``gateway->server`` (the server cannot tell
        a powered-off gateway from a lost internet link).
    """
    if not _gateway_down(window, thresholds, now_s):
        return []
    hb = window.gateway_heartbeat_s
    onset = window.start_s if hb is None else hb
    silent_min = float(silent_s([onset], now_s)[0]) / 60.0
    rule = thresholds.gateway_offline
    summary = (
        f"Gateway {window.gateway_id} silent for {silent_min:.0f} min (limit "
        f"{rule.limit_min:g}); failing hop: {Hop.GATEWAY_TO_SERVER.value} (power or internet)"
    )
    return [
        Finding(
            RuleId.GATEWAY_OFFLINE.value,
            rule.version,
            Severity.LOW,
            FindingKind.TECHNICAL,
            onset,
            None,
            silent_min,
            "min",
            {"silent_min": silent_min, "limit_min": rule.limit_min},
            {"gateway_id": str(window.gateway_id), "hop": Hop.GATEWAY_TO_SERVER.value},
            summary,
        )
    ]


def battery_low_findings(
    window: ParticipantWindow, thresholds: Thresholds, now_s: float
) -> list[Finding]:
    """``battery_low`` (technical): battery < 20 % LOW, < 5 % MEDIUM.

    Parameters
    ----------
    window : ParticipantWindow
        ``devices`` with their newest Battery Level reading.
    thresholds : Thresholds
        ``battery_low`` thresholds (strict).
    now_s : float
        Evaluation time, used as onset when the reading has no time.

    Returns
    -------
    list of Finding
        One per device below a threshold, ongoing; ``worst_value`` the level in %.
    """
    rule = thresholds.battery_low
    out = []
    for device in window.devices:
        pct = device.battery_pct
        if pct is None or pct >= rule.low_pct:
            continue
        medium = pct < rule.medium_pct
        limit = rule.medium_pct if medium else rule.low_pct
        summary = f"Battery of {device.device_id} at {pct:.0f} % (below {limit:g} %)"
        out.append(
            Finding(
                RuleId.BATTERY_LOW.value,
                rule.version,
                Severity.MEDIUM if medium else Severity.LOW,
                FindingKind.TECHNICAL,
                now_s if device.battery_at_s is None else device.battery_at_s,
                None,
                float(pct),
                "%",
                {"battery_pct": float(pct), "threshold_pct": float(limit)},
                {"device_id": device.device_id, "device_kind": device.kind.value},
                summary,
            )
        )
    return out
