"""Per-participant thresholds: set by a clinician, versioned, never edited in place, audited.

A change supersedes the participant's current row for that rule and inserts a new one
whose ``params`` hold every parameter that differs from the pilot default (so edits
accumulate); its version, ``p<N>`` for the N-th override of that rule, is recorded on
every alert it raises. The worker reads the current rows at each evaluation
(:func:`ingest.alerts.loader.load_thresholds`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from psycopg.types.json import Jsonb

from analytics.rules import RuleId, ThresholdError, Thresholds
from ingest.alerts.loader import Conn, load_thresholds
from ingest.errors import IngestError
from ingest.storage.audit import AuditEntry, write_audit


class ThresholdChangeError(IngestError):
    """The change names an unknown rule or parameter, or an invalid value (422)."""


def rule_params(thresholds: Thresholds, rule_id: str) -> dict[str, Any]:
    """The parameters of one rule as JSON-able values, with its version."""
    return dataclasses.asdict(thresholds.rule(rule_id))


def parse_assignments(items: list[str]) -> dict[str, dict[str, float]]:
    """``["tachycardia.medium_bpm=110", ...]`` -> ``{"tachycardia": {"medium_bpm": 110.0}}``."""
    out: dict[str, dict[str, float]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        rule_id, dot, param = name.partition(".")
        if not (sep and dot and rule_id and param):
            raise ThresholdChangeError(
                f"--set {item!r}: expected rule.param=value, e.g. tachycardia.medium_bpm=110"
            )
        try:
            number = float(value)
        except ValueError as exc:
            raise ThresholdChangeError(f"--set {item!r}: {value!r} is not a number") from exc
        out.setdefault(rule_id, {})[param] = number
    return out


def apply_changes(
    base: Thresholds, changes: Mapping[str, Mapping[str, Any]], version: str
) -> Thresholds:
    """``base`` with ``changes`` per rule under ``version``; ThresholdChangeError if invalid."""
    out = base
    for rule_id, params in changes.items():
        current = out.rule(rule_id) if rule_id in {r.value for r in RuleId} else None
        if current is None:
            known = ", ".join(r.value for r in RuleId)
            raise ThresholdChangeError(f"unknown rule {rule_id!r}; expected one of: {known}")
        typed = {
            k: type(getattr(current, k))(v) if hasattr(current, k) else v for k, v in params.items()
        }
        try:
            out = out.override(rule_id, version=version, **typed)
        except (ThresholdError, TypeError, ValueError) as exc:
            raise ThresholdChangeError(str(exc)) from exc
    return out


def set_threshold(
    conn: Conn,
    participant_id: uuid.UUID,
    rule_id: str,
    params: Mapping[str, Any],
    *,
    set_by: uuid.UUID | None,
    audit: AuditEntry,
    now: dt.datetime,
) -> dict[str, Any]:
    """Store a clinician's override of ``rule_id`` for a participant (inside a transaction).

    ``params`` are merged over the participant's current override of that rule. Returns
    the new version and the rule's full parameters. ``audit`` is the caller's audit row
    (who, from where, which request); its details get the change.
    """
    rows = conn.execute(
        "SELECT version, params FROM participant_thresholds"
        " WHERE participant_id = %s AND rule_id = %s ORDER BY set_at FOR UPDATE",
        (participant_id, rule_id),
    ).fetchall()
    previous = dict(rows[-1][1]) if rows else {}
    merged = {**previous, **params}
    version = f"p{len(rows) + 1}"
    current = load_thresholds(conn, participant_id)
    reset: dict[str, Any] = {rule_id: Thresholds().rule(rule_id)}
    base = dataclasses.replace(current, **reset)
    updated = apply_changes(base, {rule_id: merged}, version)
    conn.execute(
        "UPDATE participant_thresholds SET superseded_at = %s"
        " WHERE participant_id = %s AND rule_id = %s AND superseded_at IS NULL",
        (now, participant_id, rule_id),
    )
    conn.execute(
        "INSERT INTO participant_thresholds (participant_id, rule_id, version, params, set_by,"
        " set_at) VALUES (%s, %s, %s, %s, %s, %s)",
        (participant_id, rule_id, version, Jsonb(merged), set_by, now),
    )
    result = {"rule_id": rule_id, "version": version, "params": rule_params(updated, rule_id)}
    write_audit(
        conn,
        dataclasses.replace(
            audit, details={**audit.details, "change": dict(params), "version": version}
        ),
    )
    return result
