"""Schema migrations and storage upkeep on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from ingest import maintenance
from ingest.db import migrate, partitions
from ingest.db.backend import Backend, backend_from_facts
from ingest.settings import ServerSettings

pytestmark = pytest.mark.db


def _packaged_versions() -> list[int]:
    """Every version number among the packaged migration files, ascending."""
    return sorted({int(name[:4]) for name in migrate._packaged_files()})


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        before = conn.execute(
            "SELECT version, applied_at FROM schema_version ORDER BY 1"
        ).fetchall()
        info, applied = migrate.upgrade(conn)
        after = conn.execute("SELECT version, applied_at FROM schema_version ORDER BY 1").fetchall()
    assert applied == []
    assert before == after
    assert [v for v, _ in after] == _packaged_versions()
    assert info.backend is Backend.PLAIN


def test_backend_choice_follows_extension_and_licence() -> None:
    assert backend_from_facts(timescale_available=False, license_name=None) is Backend.PLAIN
    assert backend_from_facts(timescale_available=True, license_name="apache") is (
        Backend.TIMESCALE_APACHE
    )
    assert backend_from_facts(timescale_available=True, license_name="timescale") is (
        Backend.TIMESCALE_TSL
    )


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


def test_daily_partitions_cover_the_buffer_window_and_days_ahead(db_url: str) -> None:
    now = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    settings = ServerSettings(database_url=db_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        info, _ = migrate.upgrade(conn)
        maintenance.run_once(conn, info, settings, now)
        days = partitions.existing_partition_days(conn)
    assert min(days) == dt.date(2026, 11, 14)  # 7-day window + 1 day
    assert max(days) == dt.date(2026, 11, 29)  # 7 days ahead


def test_rows_in_the_default_partition_move_into_a_new_partition(db_url: str) -> None:
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


def test_retention_drops_whole_old_days(db_url: str) -> None:
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
