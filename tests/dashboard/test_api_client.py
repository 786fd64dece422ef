"""The dashboard's API client: a busy API (503 + Retry-After) is retried briefly."""

from __future__ import annotations

import httpx
import pytest

from dashboard.api import ApiUnavailable, ClinicalApi


def _busy_then_ok(busy: int, seen: list[str]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if len(seen) <= busy:
            return httpx.Response(
                503, json={"detail": "the server is busy"}, headers={"Retry-After": "5"}
            )
        return httpx.Response(200, json={"items": [{"participant_id": "p1"}]})

    return httpx.MockTransport(handle)


def test_a_busy_api_is_retried_until_it_answers() -> None:
    seen: list[str] = []
    slept: list[float] = []
    api = ClinicalApi("http://api.test", _busy_then_ok(3, seen), sleep=slept.append)
    assert api.triage("token") == [{"participant_id": "p1"}]
    assert len(seen) == 4
    # Shorter waits than the gateways' Retry-After: a nurse is waiting.
    assert sum(slept) < 5


def test_a_busy_api_past_the_budget_is_an_error_that_says_so() -> None:
    seen: list[str] = []
    slept: list[float] = []
    api = ClinicalApi(
        "http://api.test", _busy_then_ok(100, seen), sleep=slept.append, busy_budget_s=2.0
    )
    with pytest.raises(ApiUnavailable, match="busy"):
        api.triage("token")
    assert sum(slept) <= 2.0
    assert len(seen) == len(slept) + 1


def test_a_503_without_retry_after_is_not_retried() -> None:
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, json={"detail": "down"})

    api = ClinicalApi("http://api.test", httpx.MockTransport(handle), sleep=lambda _: None)
    with pytest.raises(ApiUnavailable, match="down"):
        api.triage("token")
    assert calls == [1]
