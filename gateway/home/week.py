"""The participant's week, fetched from the API for the home page (never raw alarms).

``GET /api/v1/ingest/checkin/participants/{id}/week`` with the gateway's token answers
wear time, time in the glucose target range and whether the care team has seen the last
check-in. When the API cannot be reached the page says so in plain words; nothing else
waits for it.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any, Final

import httpx

from gateway.http_contract import WEEK_PATH, auth_headers, endpoint

log = logging.getLogger(__name__)

# A page must not hang on a slow connection; the summary is a courtesy, not data.
WEEK_TIMEOUT_S: Final = 5.0


def fetch_week(
    client: httpx.Client, api_url: str, token: str, participant_id: str
) -> dict[str, Any] | None:
    """The week document, or None when the API is unreachable or answers otherwise."""
    path = WEEK_PATH.format(participant_id=urllib.parse.quote(participant_id, safe=""))
    try:
        response = client.get(
            endpoint(api_url, path), headers=auth_headers(token), timeout=WEEK_TIMEOUT_S
        )
    except httpx.HTTPError as exc:
        log.info("week summary of %s unavailable: %s", participant_id, exc)
        return None
    if response.status_code != httpx.codes.OK:
        log.warning(
            "week summary of %s: HTTP %d %s",
            participant_id,
            response.status_code,
            response.text[:200],
        )
        return None
    try:
        data = response.json()
    except ValueError:
        log.warning(
            "week summary of %s: the API answered something that is not JSON", participant_id
        )
        return None
    return data if isinstance(data, dict) else None
