"""Fixtures for the server: a real uvicorn serving ``create_app`` on a fresh database."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import uvicorn

from ingest.api.app import create_app
from ingest.settings import ServerSettings
from ingest.storage.enrolment import (
    ParticipantIdentity,
    enrol_device,
    enrol_gateway,
    enrol_participant,
)


@dataclass(frozen=True)
class Home:
    """One enrolled participant with an HR sensor and a CGM, served by one gateway."""

    participant_id: uuid.UUID
    hr_device: uuid.UUID
    cgm_device: uuid.UUID
    gateway_id: uuid.UUID
    token: str


def enrol_home(url: str, name: str = "Kim Young-ja") -> Home:
    with psycopg.connect(url) as conn:
        pid = enrol_participant(
            conn,
            study_id="seoul-pilot",
            identity=ParticipantIdentity(name, 1946, "F", "Mapo-gu", "010-0000-0000"),
            time_zone="Asia/Seoul",
            actor="test",
        )
        hr = enrol_device(
            conn,
            participant_id=pid,
            kind="hr",
            address="F0:00:00:00:00:01",
            model="HRM",
            serial="S1",
            actor="test",
        )
        cgm = enrol_device(
            conn,
            participant_id=pid,
            kind="cgm",
            address="F0:00:00:00:00:02",
            model="CGM",
            serial="S2",
            actor="test",
        )
        gid, token = enrol_gateway(conn, participant_ids=[pid], actor="test")
    return Home(pid, hr, cgm, gid, token)


@pytest.fixture
def home(db_url: str) -> Home:
    return enrol_home(db_url)


# Ports handed out by reserve_port, held bound until serve_in_thread listens on them:
# nothing else on the machine can take one in between (no race for a "free" port).
_RESERVED: dict[int, socket.socket] = {}


def _bound(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def reserve_port() -> int:
    """A loopback port bound now and kept for the next :func:`serve_in_thread` on it."""
    sock = _bound(0)
    port = int(sock.getsockname()[1])
    _RESERVED[port] = sock
    return port


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # run in a thread: leave signals alone
        pass


def serve_in_thread(
    settings: ServerSettings,
    clock: Callable[[], dt.datetime] | None = None,
    wrap: Callable[[Any], Any] | None = None,
) -> Iterator[str]:
    """Run the real app under uvicorn in a thread; yield its base URL; stop it after.

    ``wrap`` puts an ASGI middleware around the app (tests that record its answers).
    """
    app: Any = create_app(settings, clock=clock)
    config = uvicorn.Config(
        app if wrap is None else wrap(app),
        host="127.0.0.1",
        port=settings.port,
        log_level="warning",
        lifespan="on",
    )
    server = _Server(config)
    # The reserved socket (or, after a restart, the same port bound again) is handed to
    # uvicorn, so the port cannot change hands between choosing and listening.
    sock = _RESERVED.pop(settings.port, None) or _bound(settings.port)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve([sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def make_settings(db_url: str, **overrides: object) -> ServerSettings:
    return ServerSettings(database_url=db_url, port=reserve_port(), **overrides)  # type: ignore[arg-type]


@pytest.fixture
def api(db_url: str) -> Iterator[str]:
    """Base URL of a running API on a fresh database."""
    yield from serve_in_thread(make_settings(db_url))
