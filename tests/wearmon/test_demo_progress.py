"""The demo's printout: the triage list beside the readings stored."""

from __future__ import annotations

import uuid

from simulators.physiology import cohort
from wearmon.demo.enrol import EnrolledHome
from wearmon.demo.progress import OpenAlerts, format_progress

SPECS = cohort(4, 2026)  # healthy, paroxysmal_af, nocturnal_hypo, bradycardia


def home(i: int) -> EnrolledHome:
    ids = [uuid.UUID(int=i * 10 + k) for k in range(4)]
    return EnrolledHome(SPECS[i], ids[0], ids[1], ids[2], ids[3], "token")


def alerts(high: int = 0, medium: int = 0, low: int = 0, *rules: str) -> OpenAlerts:
    return OpenAlerts({"HIGH": high, "MEDIUM": medium, "LOW": low}, set(rules))


def test_participants_are_listed_most_urgent_first_with_alerts_by_priority() -> None:
    homes = [home(i) for i in range(4)]
    open_ = {
        homes[1].participant_id: alerts(0, 1, 0, "af_burden"),
        homes[2].participant_id: alerts(1, 0, 0, "hypo_level2"),
        homes[3].participant_id: alerts(0, 1, 2, "bradycardia", "low_coverage*"),
    }
    counts = {(homes[0].participant_id, "heart_rate"): 1234}
    text = format_progress(homes, counts, open_, 45.0).splitlines()
    assert text[0].startswith("[     45 s] 1,234 readings stored; 5 open alerts")
    order = [line.split()[0] for line in text[1:]]
    # HIGH first; then MEDIUM with more LOW before MEDIUM alone; then no alerts.
    assert order == ["P003", "P004", "P002", "P001"]
    assert "H1 M0 L0" in text[1]
    assert text[1].endswith("hypo_level2")
    assert text[2].endswith("bradycardia, low_coverage*")
    assert "HR   1,234" in text[4]
    assert "H0 M0 L0" in text[4]
