"""Schema migrations and storage upkeep on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from ingest import maintenance
from ingest.db import migrate, partitions
from ingest.db.backend import (
    Backend,
    BackendError,
    TimescaleFacts,
    decide,
    preloaded_libraries,
    recorded_backend,
)
from ingest.settings import ServerSettings

pytestmark = pytest.mark.db


def _packaged_versions() -> list[int]:
    """Every version number among the packaged migration files, ascending."""
    return sorted({int(name[:4]) for name in migrate._packaged_files()})


def test_upgrading_twice_changes_nothing(db_url: str, db_backend: Backend) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        before = conn.execute(
            "SELECT version, applied_at FROM schema_version ORDER BY 1"
        ).fetchall()
        info, applied = migrate.upgrade(conn)
        after = conn.execute("SELECT version, applied_at FROM schema_version ORDER BY 1").fetchall()
    assert applied == []
    assert before == after
    assert [v for v, _ in after] == _packaged_versions()
    assert info.backend is db_backend


def test_the_backend_is_recorded_once_for_every_version(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        backends = conn.execute("SELECT DISTINCT backend FROM schema_version").fetchall()
        info, _ = migrate.upgrade(conn)
        assert recorded_backend(conn) is info.backend
    assert backends == [(info.backend.value,)]


def _facts(
    available: bool, preloaded: bool, created: bool, license: str | None = None
) -> TimescaleFacts:
    return TimescaleFacts(available, preloaded, created, license)


@pytest.mark.parametrize("available", [False, True])
@pytest.mark.parametrize("created", [False, True])
@pytest.mark.parametrize("license", [None, "apache", "timescale"])
def test_a_new_database_gets_timescaledb_only_when_it_is_preloaded(
    available: bool, created: bool, license: str | None
) -> None:
    not_loaded = decide(_facts(available, False, created, license), None)
    assert not_loaded.backend is Backend.PLAIN
    assert not not_loaded.create_extension  # "must be preloaded": never attempted
    if available or created:
        assert "shared_preload_libraries" in not_loaded.reason
    loaded = decide(_facts(available, True, created, license), None)
    if not (available or created):
        assert loaded.backend is Backend.PLAIN
        return
    expected = Backend.TIMESCALE_TSL if license == "timescale" else Backend.TIMESCALE_APACHE
    assert loaded.backend is expected
    assert loaded.create_extension is not created


@pytest.mark.parametrize("available", [False, True])
@pytest.mark.parametrize("preloaded", [False, True])
@pytest.mark.parametrize("created", [False, True])
@pytest.mark.parametrize("license", [None, "apache", "timescale"])
def test_a_database_keeps_the_backend_recorded_at_its_first_migration(
    available: bool, preloaded: bool, created: bool, license: str | None
) -> None:
    facts = _facts(available, preloaded, created, license)
    kept = decide(facts, Backend.PLAIN)
    assert kept.backend is Backend.PLAIN  # never TimescaleDB variants later
    assert not kept.create_extension
    for recorded in (Backend.TIMESCALE_APACHE, Backend.TIMESCALE_TSL):
        if preloaded:
            decision = decide(facts, recorded)
            assert decision.backend is recorded
            assert decision.create_extension is not created
        else:
            with pytest.raises(BackendError, match="shared_preload_libraries"):
                decide(facts, recorded)


def test_preloaded_libraries_are_read_as_postgresql_writes_them() -> None:
    assert preloaded_libraries("") == set()
    assert preloaded_libraries("timescaledb") == {"timescaledb"}
    assert preloaded_libraries("pg_stat_statements, '$libdir/timescaledb'".replace("'", '"')) == {
        "pg_stat_statements",
        "timescaledb",
    }
    assert preloaded_libraries("timescaledb-2.28.3,auto_explain") == {"timescaledb", "auto_explain"}
    assert "timescaledb" not in preloaded_libraries("timescaledb_toolkit")


def test_variant_files_are_selected_per_backend() -> None:
    files = {
        "0001_a.sql": "a",
        "0002_b.plain.sql": "p",
        "0002_b.timescale.sql": "t",
        "0003_c.approllup.sql": "r",
        "0003_c.tsl.sql": "c",
    }
    plain = migrate.select_migrations(files, frozenset({"plain", "approllup"}))
    tsl = migrate.select_migrations(files, frozenset({"timescale", "tsl"}))
    assert [m.sql for m in plain] == ["a", "p", "r"]
    assert [m.sql for m in tsl] == ["a", "t", "c"]
    with pytest.raises(migrate.MigrationError, match="NNNN_name"):
        migrate.select_migrations({"bad.sql": ""}, frozenset())


def test_upkeep_prepares_the_backends_own_storage(db_url: str, db_backend: Backend) -> None:
    now = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    settings = ServerSettings(database_url=db_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        info, _ = migrate.upgrade(conn)
        maintenance.run_once(conn, info, settings, now)
        if db_backend is Backend.PLAIN:
            days = partitions.existing_partition_days(conn)
            assert min(days) == dt.date(2026, 11, 14)  # 7-day window + 1 day
            assert max(days) == dt.date(2026, 11, 29)  # 7 days ahead
            return
        # TimescaleDB makes its own chunks: readings must be a hypertable, and under the
        # Timescale licence retention is its policy job.
        hyper = conn.execute(
            "SELECT count(*) FROM timescaledb_information.hypertables"
            " WHERE hypertable_name = 'readings'"
        ).fetchone()
        assert hyper == (1,)
        if db_backend is Backend.TIMESCALE_TSL:
            jobs = conn.execute(
                "SELECT count(*) FROM timescaledb_information.jobs"
                " WHERE proc_name = 'policy_retention' AND hypertable_name = 'readings'"
            ).fetchone()
            assert jobs == (1,)


def test_rows_in_the_default_partition_move_into_a_new_partition(
    db_url: str, db_backend: Backend
) -> None:
    if db_backend is not Backend.PLAIN:
        pytest.skip("daily partitions are the plain backend's; TimescaleDB makes chunks")
    with psycopg.connect(db_url, autocommit=True) as conn:
        pid = conn.execute("INSERT INTO studies VALUES ('s') RETURNING study_id").fetchone()
        assert pid
        conn.execute(
            "INSERT INTO readings VALUES (gen_random_uuid(), 'heart_rate', '2026-01-05 10:00Z',"
            " gen_random_uuid(), now(), 70, '/min', 0)"
        )
        partitions.ensure_partitions(conn, [dt.date(2026, 1, 5)])
        where = conn.execute("SELECT tableoid::regclass::text FROM readings").fetchall()
    assert where == [("readings_20260105",)]


def test_retention_drops_whole_old_days(db_url: str, db_backend: Backend) -> None:
    if db_backend is not Backend.PLAIN:
        pytest.skip("retention by partition is the plain backend's; see the upkeep test")
    with psycopg.connect(db_url, autocommit=True) as conn:
        partitions.ensure_partitions(conn, [dt.date(2020, 1, 1), dt.date(2020, 1, 2)])
        dropped = partitions.drop_partitions_before(conn, dt.date(2020, 1, 2))
        days = partitions.existing_partition_days(conn)
    assert dropped == 1
    assert days == {dt.date(2020, 1, 2)}


@pytest.mark.parametrize("backend", list(Backend))
def test_every_backend_gets_one_file_per_version(backend: Backend) -> None:
    from ingest.db.backend import VARIANTS

    chosen = migrate.select_migrations(migrate._packaged_files(), VARIANTS[backend])
    assert [m.version for m in chosen] == _packaged_versions()
    text = "\n".join(m.sql for m in chosen)
    assert ("create_hypertable" in text) == (backend is not Backend.PLAIN)
    assert ("timescaledb.continuous" in text) == (backend is Backend.TIMESCALE_TSL)
    assert ("PARTITION BY RANGE" in text) == (backend is Backend.PLAIN)
