"""Pure helpers for the ingestion API's HTTP contract: headers, answers, Retry-After.

No I/O here: the uploader feeds responses in and acts on the interpretation.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# Longest pause a Retry-After may impose; an hour is long enough for any rate limit
# and short enough that a bogus header cannot stall a home gateway for days.
MAX_RETRY_AFTER_S: Final = 3600.0

BATCH_PATH: Final = "/api/v1/ingest/batch"
# The API names whole-batch 422 problems in this header (ingestion contract):
# "idempotency_conflict" (the key is held for another body: re-form under a new key) and
# "too_many_readings" (split the batch).
ERROR_CODE_HEADER: Final = "X-Wearmon-Error"
KEY_CONFLICT: Final = "idempotency_conflict"
TOO_MANY_READINGS: Final = "too_many_readings"
HEARTBEAT_PATH: Final = "/api/v1/ingest/heartbeat"
# Wellbeing check-ins answered at the home page, and the participant's week summary.
CHECKIN_PATH: Final = "/api/v1/ingest/checkin"
WEEK_PATH: Final = "/api/v1/ingest/checkin/participants/{participant_id}/week"


@dataclass(frozen=True, slots=True)
class IndexedRejection:
    """The API's reason for refusing the reading at ``index`` of a batch."""

    index: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class BatchReceipt:
    """A 200 answer to a batch: counts and the per-reading rejections."""

    accepted: int
    duplicates: int
    rejected: tuple[IndexedRejection, ...]


@dataclass(frozen=True, slots=True)
class CheckinReceipt:
    """A 200 answer to an uploaded check-in: its score, stored now or already held."""

    score: object
    status: str


def parse_checkin_receipt(content: bytes) -> CheckinReceipt:
    """Parse a 200 answer ``{"score": ..., "status": "stored" | "duplicate"}``.

    Raises
    ------
    ValueError
        If the body is not that shape (e.g. a captive portal's HTML page).
    """
    data = json.loads(content)
    if not isinstance(data, dict) or data.get("status") not in ("stored", "duplicate"):
        raise ValueError(f"expected {{'score', 'status': stored|duplicate}}, found {data!r:.200}")
    return CheckinReceipt(data.get("score"), str(data["status"]))


def error_detail(content: bytes) -> str:
    """The API's explanation in a 4xx answer (FastAPI ``detail``), else the body's start."""
    try:
        data = json.loads(content)
    except ValueError:
        return content[:300].decode("utf-8", "replace")
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', []) if p != 'body')}: {d.get('msg')}"
            if isinstance(d, dict)
            else str(d)
            for d in detail
        )[:500]
    return str(detail if detail is not None else data)[:500]


def auth_headers(token: str) -> dict[str, str]:
    """Bearer authorisation and JSON content type headers."""
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def endpoint(api_url: str, path: str) -> str:
    """Join the configured API base URL and an absolute contract path."""
    return api_url.rstrip("/") + path


def parse_receipt(content: bytes) -> BatchReceipt:
    """Parse a 200 answer ``{"accepted", "duplicates", "rejected": [...]}``.

    Raises
    ------
    ValueError
        If the body is not that shape (e.g. a captive portal's HTML page).
    """
    data = json.loads(content)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, found {type(data).__name__}")
    accepted, duplicates = data.get("accepted"), data.get("duplicates")
    if not isinstance(accepted, int) or not isinstance(duplicates, int):
        raise ValueError(f"expected integer accepted/duplicates, found {data!r:.200}")
    return BatchReceipt(accepted, duplicates, tuple(_rejections(data.get("rejected", []))))


def _rejections(raw: object) -> list[IndexedRejection]:
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of rejections, found {raw!r:.200}")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("index"), int):
            raise ValueError(f"expected a rejection with an integer index, found {item!r:.200}")
        out.append(IndexedRejection(item["index"], str(item.get("field")), str(item.get("reason"))))
    return out


def parse_validation_error(content: bytes, n_readings: int) -> list[IndexedRejection]:
    """Find the readings a 422 answer blames, if any.

    Understands FastAPI/pydantic's ``{"detail": [{"loc": ["body", "readings", i, f],
    "msg": ...}]}`` and the receipt-shaped ``{"rejected": [...]}``. Errors that name no
    reading (a field of the batch itself) come back with ``index = -1``.

    Parameters
    ----------
    content : bytes
        The response body.
    n_readings : int
        Readings in the batch; indexes outside it are treated as naming no reading.

    Returns
    -------
    list of IndexedRejection
        One entry per error; an empty list when the body could not be understood.
    """
    try:
        data = json.loads(content)
    except ValueError:
        return []
    if isinstance(data, dict) and isinstance(data.get("rejected"), list):
        try:
            return _rejections(data["rejected"])
        except ValueError:
            return []
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str):
        return [IndexedRejection(-1, "body", detail)]
    if not isinstance(detail, list):
        return []
    return [_from_pydantic(item, n_readings) for item in detail if isinstance(item, dict)]


def _from_pydantic(item: dict[str, object], n_readings: int) -> IndexedRejection:
    loc = item.get("loc")
    parts: Sequence[object] = loc if isinstance(loc, list) else []
    msg = str(item.get("msg", item))
    field = ".".join(str(p) for p in parts if p != "body") or "body"
    index = parts[2] if len(parts) >= 3 and parts[1] == "readings" else None
    if isinstance(index, int) and 0 <= index < n_readings:
        return IndexedRejection(index, ".".join(str(p) for p in parts[3:]) or "reading", msg)
    return IndexedRejection(-1, field, msg)


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date, RFC 9110 10.2.3).

    Returns
    -------
    float or None
        Clamped to ``[0, MAX_RETRY_AFTER_S]``; None when absent or unparseable.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER_S)
