"""The alert-burden report read from the API (no Dash imports)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.model.shapes import as_float, pick


@dataclass(frozen=True)
class RuleBurden:
    rule_id: str
    alerts: int
    per_participant_day: float | None
    median_ack_s: float | None
    non_actionable_share: float | None  # percent


@dataclass(frozen=True)
class Burden:
    alerts: int
    participant_days: float | None
    per_participant_day: float | None
    median_ack_s: float | None
    p90_ack_s: float | None
    non_actionable_share: float | None  # percent
    rules: tuple[RuleBurden, ...]
    # Alerts about episodes from before the monitored time (history uploaded at
    # enrolment): counted in ``alerts``, left out of the rates by the API.
    before_monitoring: int = 0


def _share(value: Any) -> float | None:
    """A share as percent: the API may give a fraction (0-1) or a percentage."""
    share = as_float(value)
    if share is None:
        return None
    return share * 100.0 if share <= 1.0 else share


def parse_burden(data: Mapping[str, Any]) -> Burden:
    raw_rules = pick(data, "per_rule", "rules") or []
    if isinstance(raw_rules, Mapping):
        raw_rules = [{"rule_id": k, **v} for k, v in raw_rules.items()]
    rules = tuple(
        RuleBurden(
            rule_id=str(pick(r, "rule_id", "rule")),
            alerts=int(as_float(pick(r, "alerts", "count", "total")) or 0),
            per_participant_day=as_float(
                pick(r, "per_participant_day", "alerts_per_participant_day")
            ),
            median_ack_s=as_float(
                pick(
                    r,
                    "median_ack_s",
                    "time_to_acknowledge.median_s",
                    "median_time_to_acknowledge_s",
                )
            ),
            non_actionable_share=_share(
                pick(
                    r,
                    "share_resolved_non_actionable",
                    "non_actionable_share",
                    "share_non_actionable",
                )
            ),
        )
        for r in raw_rules
    )
    return Burden(
        alerts=int(as_float(pick(data, "alerts", "total_alerts", "count")) or 0),
        participant_days=as_float(pick(data, "participant_days")),
        per_participant_day=as_float(
            pick(data, "per_participant_day", "alerts_per_participant_day")
        ),
        median_ack_s=as_float(
            pick(
                data, "time_to_acknowledge.median_s", "median_ack_s", "median_time_to_acknowledge_s"
            )
        ),
        p90_ack_s=as_float(pick(data, "time_to_acknowledge.p90_s", "p90_ack_s")),
        non_actionable_share=_share(pick(data, "non_actionable_share", "share_non_actionable")),
        rules=rules,
        before_monitoring=int(as_float(pick(data, "alerts_before_monitoring")) or 0),
    )
