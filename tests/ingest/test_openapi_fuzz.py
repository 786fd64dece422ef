"""Schemathesis against the served OpenAPI document: no generated request gets a 5xx.

Every operation the document lists is exercised (new routes are picked up as they are
added), with valid and invalid examples, each with no credential, with a gateway's token
and with the session of a clinician whose team holds the enrolled participant (a fresh
session per operation, so that a generated logout cannot blind the rest). The example
count is bounded so that the run takes seconds, not minutes;
``WEARMON_FUZZ_EXAMPLES`` raises it for a longer local run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.ingest.auth.helpers import add_account, assign, bearer, token_of
from tests.ingest.conftest import Home, make_settings, serve_in_thread

pytestmark = pytest.mark.db

EXAMPLES = int(os.environ.get("WEARMON_FUZZ_EXAMPLES", "15"))


@pytest.fixture
def fuzzed_api(db_url: str, home: Home) -> Iterator[str]:
    # Limits high enough that the fuzzer reaches the handlers rather than the limiters.
    loose = make_settings(
        db_url, gateway_rate_per_s=1e6, gateway_burst=10**6, auth_failure_burst=10**6
    )
    yield from serve_in_thread(loose)


def _operations(api: str) -> list[Any]:
    spec = httpx.get(f"{api}/api/v1/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(spec)
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def _fuzz(api: str, operation: Any, mode: GenerationMode, auth: dict[str, str]) -> list[str]:
    """Run bounded examples of one operation; return the 5xx seen (method, path, status)."""
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), extra=st.just(auth))
    def run(case: Any, extra: dict[str, str]) -> None:
        response = case.call(base_url=api, headers=extra, timeout=30)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:200]}"
            )

    try:
        run()
    except Unsatisfiable:
        # An operation with no inputs (GET /health) has no invalid form to generate.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_5xx(
    fuzzed_api: str, db_url: str, home: Home, mode: GenerationMode
) -> None:
    operations = _operations(fuzzed_api)
    assert any(op.path == "/api/v1/ingest/batch" for op in operations)
    assert any(op.path == "/api/v1/alerts/{alert_id}/resolve" for op in operations)
    add_account(db_url, "fuzz.nurse", team="fuzz-team")
    assign(db_url, "fuzz-team", home.participant_id)
    failures: list[str] = []
    with httpx.Client(base_url=fuzzed_api, timeout=30) as client:
        for operation in operations:
            clinician = bearer(token_of(client, "fuzz.nurse"))
            for auth in ({}, bearer(home.token), clinician):
                failures += _fuzz(fuzzed_api, operation, mode, auth)
    assert failures == []
