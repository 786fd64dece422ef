"""Reading the clinical API's JSON: the one place that knows its field names.

Plain functions over dicts (no Dash): each returns typed values and tolerates fields the
API leaves out (``None`` is shown as a dash, never as zero).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

PRIORITIES = ("HIGH", "MEDIUM", "LOW")


def pick(data: Mapping[str, Any] | None, *paths: str) -> Any:
    """The first present, non-null value among dotted ``paths`` (e.g. ``"cgm.tir"``)."""
    if data is None:
        return None
    for path in paths:
        node: Any = data
        for part in _parts(path):
            # type() before isinstance(): JSON gives plain dicts, and an ABC check is slow
            # on the thousands of points of a 14-day page.
            if not (type(node) is dict or isinstance(node, Mapping)) or part not in node:
                node = None
                break
            node = node[part]
        if node is not None:
            return node
    return None


@functools.cache
def _parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def as_float(value: Any) -> float | None:
    if type(value) is float:
        return value
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def as_time(value: Any) -> dt.datetime | None:
    """An aware datetime from an ISO 8601 string (naive strings are taken as UTC)."""
    if value is None:
        return None
    if type(value) is str:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def priority_counts(value: Any) -> dict[str, int]:
    """Open alerts per priority from ``{"HIGH": 1}``, a list of alerts, or a number."""
    counts = dict.fromkeys(PRIORITIES, 0)
    if isinstance(value, Mapping):
        for key, n in value.items():
            if str(key).upper() in counts and isinstance(n, int | float):
                counts[str(key).upper()] += int(n)
    elif isinstance(value, list):
        for item in value:
            priority = (
                str(pick(item, "priority") or "").upper() if isinstance(item, Mapping) else ""
            )
            if priority in counts:
                counts[priority] += 1
    return counts


def highest(counts: Mapping[str, int]) -> str | None:
    for priority in PRIORITIES:
        if counts.get(priority, 0) > 0:
            return priority
    return None
