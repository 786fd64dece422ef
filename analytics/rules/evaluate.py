"""Entry point for the alert worker: all rules over one participant's window."""

from __future__ import annotations

import logging

from analytics.rules.finding import Finding
from analytics.rules.gate import coverage_gate, low_coverage_findings
from analytics.rules.glucose import episode_findings, predicted_low_findings
from analytics.rules.rate import rate_findings
from analytics.rules.rhythm import af_burden_findings
from analytics.rules.technical import (
    battery_low_findings,
    gateway_offline_findings,
    stale_device_findings,
)
from analytics.rules.thresholds import Thresholds
from analytics.rules.wellbeing import wellbeing_findings
from analytics.rules.window import ParticipantWindow

log = logging.getLogger(__name__)


def evaluate_participant(
    window: ParticipantWindow, thresholds: Thresholds | None, now_s: float
) -> list[Finding]:
    """Run every rule of docs/clinical.md "Alerts" over one participant's window.

    Parameters
    ----------
    window : ParticipantWindow
        The participant's data from ``window.start_s`` to ``now_s``.
    thresholds : Thresholds or None
        The participant's rule parameters (None: the pilot defaults). Overrides are
        made by the caller with :meth:`Thresholds.override`.
    now_s : float
        Evaluation time, seconds since the Unix epoch (UTC).

    Returns
    -------
    list of Finding
        Every finding in the window, sorted by onset then rule id: physiological
        (hypo_level2, hypo_level1, predicted_low, hyper_prolonged, tachycardia,
        bradycardia, af_burden) and technical (stale_device, gateway_offline,
        battery_low, low_coverage), and from the check-ins mood_screen, checkin_risk
        and checkin_missed (analytics.rules.wellbeing).

    Notes
    -----
    Pure: the same window, thresholds and ``now_s`` give the same findings. Rate and
    rhythm rules see only 5-minute windows with >= 80 % coverage
    (:func:`~analytics.rules.gate.coverage_gate`); under-covered stretches become
    ``low_coverage`` findings. De-duplication across runs, hysteresis, escalation and
    the retrospective flag for late data are the alert engine's job.

    Examples
    --------
    >>> import numpy as np
    >>> t = 1_767_225_600.0 + np.arange(0.0, 1800.0)
    >>> w = ParticipantWindow(start_s=float(t[0]), hr_times_s=t,
    ...                       hr_bpm=np.where(t - t[0] >= 300, 128.0, 70.0))
    >>> [(f.rule_id, f.severity.value, f.ongoing) for f in
    ...  evaluate_participant(w, None, now_s=float(t[-1]))]
    [('tachycardia', 'MEDIUM', True)]
    """
    th = Thresholds() if thresholds is None else thresholds
    window.check_now(now_s)
    gate = coverage_gate(window, th, now_s)
    findings = [
        *episode_findings(window, th, now_s),
        *predicted_low_findings(window, th, now_s),
        *rate_findings(window, th, gate, now_s),
        *af_burden_findings(window, th, gate, now_s),
        *low_coverage_findings(window, th, gate, now_s),
        *stale_device_findings(window, th, now_s),
        *gateway_offline_findings(window, th, now_s),
        *battery_low_findings(window, th, now_s),
        *wellbeing_findings(window.checkins, now_s),
    ]
    log.debug("%d findings up to %s", len(findings), now_s)
    return sorted(findings, key=lambda f: (f.onset_s, f.rule_id))
