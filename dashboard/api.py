"""HTTP client of the clinical API, acting as the signed-in clinician.

The dashboard holds no data of its own and makes no access decision: every request
carries the clinician's session token (from the browser's HttpOnly cookie), and the API
checks the session, the care-team scope and writes the audit rows. This module only
maps HTTP outcomes onto exceptions the callbacks can show.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

API_PREFIX = "/api/v1"
# A callback that waits longer than this leaves a nurse staring at a spinner; the API's
# heaviest page (a participant's 14 days) answers in well under a second (bench/).
_TIMEOUT_S = 15.0
# The API answers 503 + Retry-After when no database connection is free within its
# pool timeout (the request did nothing). Gateways back off and resend; a nurse should
# not see "busy" because a hundred homes are uploading, so the dashboard retries too,
# briefly and at most this long in all: a page still answers in seconds or says why.
BUSY_BUDGET_S = 8.0
# Waits between tries, shorter than the Retry-After meant for gateways (5 s): a
# connection is usually free again within a second.
_BUSY_WAITS_S = (0.25, 0.5, 1.0, 1.5, 2.0, 2.0)


class ApiError(Exception):
    """The API answered with an error the clinician should see (message is the API's)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SessionExpired(ApiError):
    """401: the session is unknown, expired (idle or absolute) or revoked: sign in again."""


class NotFound(ApiError):
    """404: no such record, or not in the clinician's care teams (the API does not say which)."""


class Forbidden(ApiError):
    """403: the role may not use this route (e.g. a researcher on identifiable data)."""


class ApiUnavailable(ApiError):
    """The API could not be reached or failed (5xx)."""


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("error") or body.get("message")
        if isinstance(detail, str):
            return detail
        if detail is not None:
            return str(detail)
    return response.reason_phrase


def raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    message = _error_message(response)
    if status == 401:
        raise SessionExpired(status, message)
    if status == 403:
        raise Forbidden(status, message)
    if status == 404:
        raise NotFound(status, message)
    if status >= 500:
        raise ApiUnavailable(status, message)
    raise ApiError(status, message)


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: dt.datetime | None
    idle_timeout_s: int | None


class ClinicalApi:
    """Calls of the clinical API; ``token`` is the clinician's opaque session token."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.BaseTransport | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        busy_budget_s: float = BUSY_BUDGET_S,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + API_PREFIX, timeout=_TIMEOUT_S, transport=transport
        )
        self._sleep = sleep
        self._busy_budget_s = busy_budget_s

    def close(self) -> None:
        self._client.close()

    def _call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        request_id: str | None = None,
    ) -> Any:
        headers: dict[str, str] = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if request_id:
            headers["X-Request-ID"] = request_id
        waited = 0.0
        for wait in (*_BUSY_WAITS_S, None):
            try:
                response = self._client.request(
                    method, path, params=params, json=json, headers=headers
                )
            except httpx.HTTPError as exc:
                raise ApiUnavailable(0, f"clinical API unreachable: {exc}") from exc
            busy = response.status_code == 503 and "retry-after" in response.headers
            if not busy or wait is None or waited + wait > self._busy_budget_s:
                break
            self._sleep(wait)
            waited += wait
        raise_for_status(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # -- sessions ---------------------------------------------------------------------
    def sign_in(self, username: str, password: str) -> SignedIn:
        """Exchange credentials for a session token, its expiry and its idle timeout."""
        body = self._call(
            "POST", "/auth/token", None, json={"username": username, "password": password}
        )
        expires = body.get("expires_at")
        idle = body.get("idle_timeout_s")
        return SignedIn(
            token=str(body["access_token"]),
            expires_at=dt.datetime.fromisoformat(expires) if expires else None,
            idle_timeout_s=int(idle) if isinstance(idle, int | float) else None,
        )

    def sign_out(self, token: str) -> None:
        self._call("POST", "/auth/logout", token)

    # -- reads ------------------------------------------------------------------------
    def triage(self, token: str) -> list[dict[str, Any]]:
        return list(self._call("GET", "/triage", token)["items"])

    def participant(
        self, token: str, participant_id: str, hours: int = 24, heart_hours: int = 24
    ) -> dict[str, Any]:
        """Trends over ``hours``; HRV and AF summarised over the newest ``heart_hours``."""
        params = {"hours": str(hours), "heart_hours": str(heart_hours)}
        return dict(self._call("GET", f"/participants/{participant_id}", token, params=params))

    def readings(
        self, token: str, participant_id: str, metric: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, Any]:
        params = {"metric": metric, "from": start.isoformat(), "to": end.isoformat()}
        return dict(
            self._call("GET", f"/participants/{participant_id}/readings", token, params=params)
        )

    def alerts(self, token: str, **filters: str) -> list[dict[str, Any]]:
        params = {k: v for k, v in filters.items() if v}
        return list(self._call("GET", "/alerts", token, params=params)["items"])

    def alert_history(self, token: str, alert_id: str) -> list[dict[str, Any]]:
        body = self._call("GET", f"/alerts/{alert_id}/history", token)
        return list(body["items"] if isinstance(body, dict) else body)

    def alert_burden(self, token: str) -> dict[str, Any]:
        return dict(self._call("GET", "/metrics/alert-burden", token))

    # -- state changes ------------------------------------------------------------------
    def mark_reviewed(self, token: str, participant_id: str, *, undo: bool = False) -> None:
        method = "DELETE" if undo else "POST"
        self._call(method, f"/participants/{participant_id}/reviewed", token)

    def acknowledge(self, token: str, alert_id: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/alerts/{alert_id}/acknowledge", token) or {})

    def resolve(self, token: str, alert_id: str, reason: str, note: str | None) -> dict[str, Any]:
        payload: dict[str, str] = {"reason": reason}
        if note:
            payload["note"] = note
        return dict(self._call("POST", f"/alerts/{alert_id}/resolve", token, json=payload) or {})

    def snooze(self, token: str, alert_id: str, minutes: int, reason: str) -> dict[str, Any]:
        payload = {"minutes": minutes, "reason": reason}
        return dict(self._call("POST", f"/alerts/{alert_id}/snooze", token, json=payload) or {})
