"""Every clinical threshold of the analytics, defined once, with its source.

Modules that use one of these numbers import it from here; rule parameter sets
(:mod:`analytics.rules.params`), episode detectors and metrics take their defaults from
these names. Pure constants: importing this module loads nothing else. The numbers are
the pilot's defaults; ``docs/clinical.md`` explains each rule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Severity(StrEnum):
    """Alarm priority, the names of IEC 60601-1-8 (medical electrical equipment, alarms).

    HIGH: immediate response, failure may cause death or irreversible injury.
    MEDIUM: prompt response, reversible injury. LOW: awareness.
    """

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


# --- Glucose ----------------------------------------------------------------------
# Battelino T, et al. Diabetes Care 2019;42:1593-1603 (international consensus on time
# in range): the range bounds in mg/dL. Below 54 is level-2 hypoglycaemia, below 70
# level 1; above 180 is level-1 hyperglycaemia, above 250 level 2.
VERY_LOW_MG_DL: Final = 54.0
LOW_MG_DL: Final = 70.0
HIGH_MG_DL: Final = 180.0
VERY_HIGH_MG_DL: Final = 250.0
# Upper bound of iglu's tight range 70-140 mg/dL (in_range_70_140; Broll S, et al.
# PLoS ONE 2021;16:e0248560).
TIGHT_HIGH_MG_DL: Final = 140.0
# Battelino 2019 and Battelino T, et al. Lancet Diabetes Endocrinol 2023;11:42-57: a
# glycaemic event starts after >= 15 min beyond its threshold and ends after >= 15 min
# back on the safe side.
EVENT_MIN_DURATION_MIN: Final = 15.0
EVENT_END_DURATION_MIN: Final = 15.0
# Pilot rule hyper_prolonged: above VERY_HIGH_MG_DL for >= 2 h (docs/clinical.md "Alerts").
HYPER_PROLONGED_MIN: Final = 120.0
# Pilot rule predicted_low: forecast below LOW_MG_DL within 30 min (docs/clinical.md
# "Forecast").
PREDICTED_LOW_WITHIN_MIN: Final = 30
# ... and only when the forecasts from 2 consecutive readings agree (the earlier one
# within 10 mg/dL of the threshold), so one noisy reading does not raise it (measured on
# the demo's noisy_sensor scenario: python -m bench.predicted_low).
PREDICTED_LOW_CONFIRM_READINGS: Final = 2
# Battelino 2019: a 14-day CGM report needs >= 70 % of the possible readings.
REPORT_PERIOD_DAYS: Final = 14
REPORT_MIN_ACTIVE_PERCENT: Final = 70.0

# --- Heart rate, RR intervals, rhythm -----------------------------------------------
# RR intervals below 200 ms or above 3000 ms (300 and 20 bpm) are outside any conducted
# human rhythm at rest and are treated as artefacts (docs/clinical.md "Heart rate, RR
# intervals, rhythm").
RR_MIN_MS: Final = 200.0
RR_MAX_MS: Final = 3000.0
# Task Force of the ESC and NASPE, Circulation 1996;93:1043-1065: short-term HRV is
# computed over 5 minutes; rate and rhythm rules are judged on the same windows.
WINDOW_S: Final = 300.0
# A window (or a rate episode) with less than 80 % of its time covered by valid beats
# raises no rate or rhythm alert (pilot choice, docs/clinical.md "Coverage").
MIN_COVERAGE: Final = 0.8
# Sustained rate (pilot defaults, docs/clinical.md "Sustained rate alerts"): strictly
# above 120 / 150 bpm is tachycardia MEDIUM / HIGH, strictly below 50 / 40 bpm is
# bradycardia MEDIUM / HIGH, each sustained for >= 10 min.
TACHY_MEDIUM_BPM: Final = 120.0
TACHY_HIGH_BPM: Final = 150.0
BRADY_MEDIUM_BPM: Final = 50.0
BRADY_HIGH_BPM: Final = 40.0
SUSTAINED_RATE_MIN: Final = 10.0
# An AF episode is >= 30 s of consecutive AF-labelled beats (the 30-s definition of
# clinical AF, Hindricks G, et al. 2020 ESC AF guidelines, Eur Heart J 2021;42:373-498);
# af_burden raises when the episodes of the last 60 min add up to >= 5 min (pilot rule).
AF_MIN_EPISODE_S: Final = 30.0
AF_BURDEN_MIN: Final = 5.0
AF_BURDEN_LOOKBACK_MIN: Final = 60.0

# --- Technical ----------------------------------------------------------------------
# stale_device: a heart-rate strap notifies about once per second, a CGM every 5 min;
# 15 min of HR silence or 30 min (six readings) of CGM silence is a lost stream.
STALE_HR_MIN: Final = 15.0
STALE_CGM_MIN: Final = 30.0
# gateway_offline: a gateway heartbeat absent for more than 10 min.
GATEWAY_OFFLINE_MIN: Final = 10.0
# battery_low: below 20 % LOW, below 5 % MEDIUM.
BATTERY_LOW_PCT: Final = 20.0
BATTERY_CRITICAL_PCT: Final = 5.0

# --- Wellbeing check-ins ----------------------------------------------------------------
# The GDS-15 cut-off lives with the instrument (checkins/instruments/gds15.json: SGDS-K,
# Bae JN, Cho MJ. J Psychosom Res 2004;57:297-305, score >= 8); the check-in carries its
# screen result. Pilot rule mood_screen also fires on a rise of >= 3 points between
# consecutive weekly GDS-15 check-ins (docs/checkins.md "Alerts"): a change larger than
# the scale's week-to-week noise in a participant who may still be under the cut-off.
MOOD_RISE_POINTS: Final = 3
# Two check-ins are "consecutive weeks" when at most two weeks apart (one missed week
# tolerated); a longer gap makes the comparison meaningless.
MOOD_CONSECUTIVE_MAX_DAYS: Final = 14.0
# GDS-15 is delivered weekly; checkin_missed fires when three in a row were missed: no
# check-in for three weekly periods after the one due 7 days after the last, i.e. more
# than 7 * (3 + 1) = 28 days since the last check-in.
CHECKIN_INTERVAL_DAYS: Final = 7.0
CHECKIN_MISSED_COUNT: Final = 3
