"""Every component id of the dashboard, in one place (no bare id strings elsewhere)."""

from __future__ import annotations

from enum import StrEnum


class Id(StrEnum):
    URL = "url"
    REDIRECT = "redirect"
    PAGE = "page"
    LANGUAGES = "languages"
    STATUS = "status"
    TRIAGE_FILTERS = "triage-filters"
    TRIAGE_SEARCH = "triage-search"
    TRIAGE_TABLE = "triage-table"
    TRIAGE_LIMIT = "triage-limit"
    TRIAGE_MORE = "triage-more"
    PARTICIPANT_ID = "participant-id"
    TIMELINE = "timeline"
    POINCARE = "poincare"
    HRV = "hrv"
    AF = "af-share"
    HEART_END = "heart-end"
    ALERT_LIST = "alert-list"
    ALERT_STATUS = "alert-status"
    QUEUE_FILTERS = "queue-filters"
    QUEUE_TABLE = "queue-table"


class Kind(StrEnum):
    """Types of pattern-matching ids: ``{"type": Kind.X, "key": <participant or alert id>}``."""

    MARK_REVIEWED = "mark-reviewed"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    RESOLVE_REASON = "resolve-reason"
    RESOLVE_NOTE = "resolve-note"
    SNOOZE = "snooze"
    SNOOZE_MINUTES = "snooze-minutes"
    SNOOZE_REASON = "snooze-reason"


def pattern(kind: Kind, key: str) -> dict[str, str]:
    return {"type": kind.value, "key": key}
