"""The demo's loop exception handler: late GATT responses are quiet, the rest is not."""

from __future__ import annotations

import asyncio
import logging

import pytest

from wearmon.demo.runner import quiet_late_gatt_responses


def test_a_late_gatt_response_is_logged_at_debug_only(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.DEBUG):
            quiet_late_gatt_responses(
                loop, {"message": "late", "exception": asyncio.InvalidStateError("invalid state")}
            )
            quiet_late_gatt_responses(loop, {"message": "boom", "exception": ValueError("x")})
    finally:
        loop.close()
    levels = [(r.name, r.levelno) for r in caplog.records]
    assert ("wearmon.demo.runner", logging.DEBUG) in levels
    assert ("asyncio", logging.ERROR) in levels  # anything else still reported
    assert sum(1 for _, level in levels if level >= logging.ERROR) == 1
