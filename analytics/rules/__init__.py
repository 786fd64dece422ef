"""Clinical and technical rules: windows of data in, frozen findings out.

Pure functions for the alert worker (docs/clinical.md "Alerts"): no persistence,
de-duplication or escalation here. Times are float seconds since the Unix epoch (UTC).
The entry point is :func:`evaluate_participant`; thresholds are versioned per rule and
overridden per participant with :meth:`Thresholds.override`.

Notes for the alert engine that consumes the findings:

* Each evaluation re-derives every finding in the window, so the same episode comes
  back on every tick. Match an ongoing finding to an open alert by
  ``(participant, rule_id, context)`` and time overlap, not by ``onset_s`` alone: the
  onset of an episode that began before the loaded span is the span's start, and
  ``battery_low`` has the time of the newest battery reading as onset.
* ``end_s is None`` means the condition still holds at the newest data and the stream
  is live; a finding with an end is over (its clear condition held: 15 min back in
  range for glucose, the episode logic of analytics.cardiac for rate).
* Load at least 75 min of heart data (the 1-h ``af_burden`` look-back plus margin) and
  2 h 15 min of CGM (``hyper_prolonged`` plus its episode end) before ``now``.
"""

from analytics.clinical_constants import Severity
from analytics.rules.errors import RuleInputError, ThresholdError
from analytics.rules.evaluate import evaluate_participant
from analytics.rules.finding import Finding, FindingKind
from analytics.rules.gate import CoverageGate, coverage_gate, low_coverage_findings
from analytics.rules.glucose import episode_findings, predicted_low_findings
from analytics.rules.rate import rate_findings
from analytics.rules.rhythm import af_burden_findings
from analytics.rules.technical import (
    Hop,
    battery_low_findings,
    gateway_offline_findings,
    stale_device_findings,
)
from analytics.rules.thresholds import (
    DEFAULT_VERSION,
    AfBurdenRule,
    BatteryLowRule,
    BradycardiaRule,
    CoverageGateRule,
    GatewayOfflineRule,
    GlucoseAboveRule,
    GlucoseBelowRule,
    PredictedLowRule,
    RuleId,
    StaleDeviceRule,
    TachycardiaRule,
    Thresholds,
)
from analytics.rules.wellbeing import (
    CheckinRecord,
    WellbeingRuleId,
    checkin_missed_findings,
    checkin_risk_findings,
    mood_screen_findings,
    wellbeing_findings,
)
from analytics.rules.window import DeviceKind, DeviceStatus, ParticipantWindow

__all__ = [
    "DEFAULT_VERSION",
    "AfBurdenRule",
    "BatteryLowRule",
    "BradycardiaRule",
    "CheckinRecord",
    "CoverageGate",
    "CoverageGateRule",
    "DeviceKind",
    "DeviceStatus",
    "Finding",
    "FindingKind",
    "GatewayOfflineRule",
    "GlucoseAboveRule",
    "GlucoseBelowRule",
    "Hop",
    "ParticipantWindow",
    "PredictedLowRule",
    "RuleId",
    "RuleInputError",
    "Severity",
    "StaleDeviceRule",
    "TachycardiaRule",
    "ThresholdError",
    "Thresholds",
    "WellbeingRuleId",
    "af_burden_findings",
    "battery_low_findings",
    "checkin_missed_findings",
    "checkin_risk_findings",
    "coverage_gate",
    "episode_findings",
    "evaluate_participant",
    "gateway_offline_findings",
    "low_coverage_findings",
    "mood_screen_findings",
    "predicted_low_findings",
    "rate_findings",
    "stale_device_findings",
    "wellbeing_findings",
]
