"""Dry-run: replay rules over a participant's stored history before switching them on.

The participant's last ``days`` of readings are loaded once and evaluated as one window
(the rules find every episode in it), then merged into alerts by the same lifecycle as
the worker (:func:`ingest.alerts.lifecycle.decide`, hysteresis included) with no stored
alert known. The report compares the participant's current thresholds with the proposed
ones, rule by rule, so that a clinician sees how many alerts a change would have raised.
Technical rules that describe the present (stale device, gateway, battery) are left out:
history cannot say what they would have said then. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from analytics.rules import Thresholds, evaluate_participant
from ingest.alerts.lifecycle import GLUCOSE_RULES, HEART_RULES, Open, decide
from ingest.alerts.loader import Conn, Context, load_thresholds, load_window
from ingest.alerts.store import evidence_json
from ingest.alerts.thresholds import apply_changes, rule_params
from ingest.errors import IngestError

#: Longest replay: a 14-day report is the clinical unit (docs/clinical.md); 31 days
#: bounds the memory of one window (~2.7 M heart samples).
MAX_DAYS = 31
_REPLAYED = GLUCOSE_RULES | HEART_RULES
_DRY_RUN_VERSION = "dry-run"


class DryRunError(IngestError):
    """Bad dry-run request (unknown participant, days out of range, bad change)."""


def _alerts(
    conn: Conn, pid: uuid.UUID, th: Thresholds, now: dt.datetime, days: float
) -> list[Open]:
    since = now - dt.timedelta(days=days)
    window = load_window(conn, pid, now, glucose=True, heart=True, context=Context(), since=since)
    findings = [
        f for f in evaluate_participant(window, th, now.timestamp()) if f.rule_id in _REPLAYED
    ]
    decisions = decide(findings, [], _REPLAYED, now.timestamp(), now.timestamp(), 0.0)
    return [d for d in decisions if isinstance(d, Open)]


def _describe(o: Open) -> dict[str, Any]:
    f = o.finding
    return {
        "rule_id": f.rule_id,
        "rule_version": f.rule_version,
        "kind": f.kind.value,
        "priority": f.severity.value,
        "first_seen": dt.datetime.fromtimestamp(o.first_seen_s, dt.UTC).isoformat(),
        "last_seen": dt.datetime.fromtimestamp(o.last_seen_s, dt.UTC).isoformat(),
        "occurrence_count": o.occurrence_count,
        "worst_value": f.worst_value,
        "evidence": evidence_json(f),
    }


def dry_run(
    conn: Conn,
    participant_id: uuid.UUID,
    days: float,
    changes: Mapping[str, Mapping[str, Any]],
    now: dt.datetime,
) -> dict[str, Any]:
    """The alerts the current and the proposed thresholds would have raised.

    Parameters
    ----------
    conn : Connection
        Read-only use.
    participant_id : UUID
    days : float
        How far back to replay (0 < days <= 31).
    changes : mapping rule_id -> {param: value}
        The proposed overrides over the participant's current thresholds.
    now : datetime
        End of the replayed span.

    Returns
    -------
    dict
        ``{"participant_id", "from", "to", "days", "changes", "rules", "current":
        {"alerts_by_rule"}, "proposed": {"alerts_by_rule", "alerts": [...]}}``.
    """
    if not 0 < days <= MAX_DAYS:
        raise DryRunError(f"days should be > 0 and <= {MAX_DAYS}; got {days:g}")
    row = conn.execute(
        "SELECT 1 FROM participants WHERE participant_id = %s", (participant_id,)
    ).fetchone()
    if row is None:
        raise DryRunError(f"no participant {participant_id}; check the id (wearmon enroll)")
    current = load_thresholds(conn, participant_id)
    proposed = apply_changes(current, changes, _DRY_RUN_VERSION)
    before = _alerts(conn, participant_id, current, now, days)
    after = _alerts(conn, participant_id, proposed, now, days)
    return {
        "participant_id": str(participant_id),
        "from": (now - dt.timedelta(days=days)).isoformat(),
        "to": now.isoformat(),
        "days": days,
        "changes": {r: dict(p) for r, p in changes.items()},
        "rules": {r: rule_params(proposed, r) for r in sorted(changes)},
        "current": {"alerts_by_rule": dict(Counter(o.finding.rule_id for o in before))},
        "proposed": {
            "alerts_by_rule": dict(Counter(o.finding.rule_id for o in after)),
            "alerts": [_describe(o) for o in after],
        },
    }
