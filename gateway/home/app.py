"""Builds the home check-in page of a gateway from its config (composition of the parts)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import httpx

from checkins.instruments import InstrumentError, load_instrument
from gateway.checkin_queue import CheckinQueue
from gateway.config import GatewayConfig
from gateway.errors import ConfigError
from gateway.home.checkin import HomeCheckins
from gateway.home.server import HomeApp, HomePage
from gateway.home.speech import Speech
from gateway.home.week import fetch_week
from gateway.outbox import Clock

# The questionnaires offered at home (checkins/instruments/): the weekly GDS-15 first,
# then the daily two-question mood and loneliness check.
INSTRUMENTS = ("gds15", "daily2")


@contextlib.contextmanager
def open_home_page(
    config: GatewayConfig, queue: CheckinQueue, wake: Callable[[], None], clock: Clock
) -> Iterator[HomePage]:
    """The bound (not yet serving) page; its HTTP client is closed on exit.

    Raises
    ------
    ConfigError
        When the address cannot be bound (busy port, address not on this machine) or the
        questionnaire file is missing.
    """
    home = config.home
    if home is None:
        raise ConfigError("gateway config has no 'home' section; the page is not configured")
    try:
        instruments = [load_instrument(i) for i in INSTRUMENTS]
    except InstrumentError as exc:
        raise ConfigError(f"cannot load the check-in questionnaires: {exc}") from exc
    speech = Speech(home.speech_dir or config.outbox_path.parent / "speech", home.espeak)
    checkins = HomeCheckins(
        queue,
        instruments,
        gateway_id=config.gateway_id,
        names={p.participant_id: p.name for p in home.participants},
        speech=speech,
        on_complete=wake,
        clock=clock,
    )
    with httpx.Client() as client:
        app = HomeApp(
            checkins,
            speech,
            lambda pid: fetch_week(client, config.api_url, config.token, pid),
            ZoneInfo(home.time_zone),
        )
        try:
            page = HomePage(home.host, home.port, app)
        except OSError as exc:
            raise ConfigError(
                f"cannot serve the home page on {home.host}:{home.port}: {exc}; choose a "
                "free port or an address of this machine (home.host, home.port)"
            ) from exc
        try:
            yield page
        finally:
            page.close()
