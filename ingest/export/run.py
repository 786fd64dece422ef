"""One export run: extract under the custodian role, anonymise, write, record.

Pipeline (docs/privacy.md "Research export"): consented participants -> quasi-
identifiers -> lattice search (block or release) -> pseudonyms and date offsets ->
tables streamed from server-side cursors into every requested format -> manifest with
SHA-256 of every file and the risk report -> run row and audit row. The whole
extraction reads one REPEATABLE READ snapshot, so the files agree with each other; the
audit rows are written outside it, under READ COMMITTED.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import psycopg
from psycopg.types.json import Jsonb

from ingest.export import cohort
from ingest.export.cgm import CGM_SQL, summary_rows
from ingest.export.errors import ExportBlocked, ExportError
from ingest.export.lattice import Anonymisation, Record, Thresholds, search
from ingest.export.manifest import MANIFEST_NAME, file_entries, risk_report
from ingest.export.projects import Project, find_project, project_key, use_custodian_role
from ingest.export.pseudonym import pseudonym
from ingest.export.tables import (
    CGM_METRICS_COLUMNS,
    DEVICES,
    RELEASED_METRICS,
    TABLES,
    Column,
    Table,
    csv_header,
    csv_lines_sql,
    participants_columns,
)
from ingest.export.writers import FormatWriter, TabularFormat
from ingest.storage.audit import AuditEntry, write_audit

log = logging.getLogger(__name__)

Conn = psycopg.Connection[tuple[object, ...]]
#: Rows per fetch and per write: bounds memory (a few MB per batch) while keeping the
#: per-batch overhead of pyarrow and the driver small.
BATCH_ROWS = 20_000
#: Progress is (table, rows written so far); called once per batch.
Progress = Callable[[str, int], None]
#: Formats written by the server-rendered CSV path (the rest go through Python rows).
TABULAR = ("csv", "parquet")
#: Manifest layout version (bump when fields change meaning).
MANIFEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class RunResult:
    """Where the manifest is and what it says."""

    run_id: uuid.UUID
    manifest_path: Path
    manifest: dict[str, object]


@dataclass(frozen=True, slots=True)
class _Release:
    project: Project
    key: bytes
    anonymisation: Anonymisation
    eligible: int
    subjects: dict[uuid.UUID, tuple[str, int, str]]
    labels: dict[str, dict[str, str]]  # pseudonym -> quasi-identifier labels
    time_zone: ZoneInfo
    created: dt.datetime


def run_export(
    conn: Conn,
    name: str,
    out_dir: Path,
    *,
    actor: str,
    now: Callable[[], dt.datetime],
    progress: Progress | None = None,
    formats: Callable[[str, Path, _Release], FormatWriter] | None = None,
) -> RunResult:
    """Run the export project ``name`` into ``out_dir`` (new or empty); audited.

    Work the caller left uncommitted on ``conn`` is committed first: the extraction must
    start its own REPEATABLE READ transaction to read one snapshot.
    """
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.commit()
    _prepare_dir(out_dir)
    run_id, project = _start(conn, name, out_dir, actor)
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            use_custodian_role(conn)
            release = _anonymise(conn, project, now())
            manifest = _write(conn, release, out_dir, run_id, progress, formats)
            _mark_released(conn, run_id, manifest)
        # The audit chain is written under READ COMMITTED (a snapshot would fork it), so
        # the release is recorded right after the snapshot ends; if that fails, the
        # files are removed below and the run is marked failed.
        with conn.transaction():
            use_custodian_role(conn)
            _audit(conn, actor, "export.run", project, "released", run_id, list(release.subjects))
    except ExportBlocked as exc:
        _fail(conn, run_id, project, "blocked", str(exc), actor)
        _remove_outputs(out_dir)
        raise
    except Exception as exc:
        _fail(conn, run_id, project, "failed", str(exc), actor)
        _remove_outputs(out_dir)
        raise
    return RunResult(run_id, out_dir / MANIFEST_NAME, manifest)


def _prepare_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ExportError(f"--out {out_dir} exists and is not an empty directory; choose a new one")
    out_dir.mkdir(parents=True, exist_ok=True)


def _remove_outputs(out_dir: Path) -> None:
    for child in out_dir.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


def _start(conn: Conn, name: str, out_dir: Path, actor: str) -> tuple[uuid.UUID, Project]:
    with conn.transaction():
        use_custodian_role(conn)
        project = find_project(conn, name)
        if project.destroyed_at is not None:
            raise ExportError(f"export project {name!r} was destroyed; create a new one")
        row = conn.execute(
            "INSERT INTO export_runs (project_id, out_dir) VALUES (%s, %s) RETURNING run_id",
            (project.project_id, str(out_dir.resolve())),
        ).fetchone()
        assert row is not None
        run_id = uuid.UUID(str(row[0]))
        _audit(conn, actor, "export.run", project, "started", run_id)
    return run_id, project


def _anonymise(conn: Conn, project: Project, created: dt.datetime) -> _Release:
    people = cohort.load_people(conn, project)
    sensitive = (
        cohort.alert_profiles(conn, [p.participant_id for p in people])
        if "alerts" in project.contents
        else {}
    )
    records = [
        Record(str(p.participant_id), p.quasi_identifiers(), sensitive.get(p.participant_id))
        for p in people
    ]
    thresholds = Thresholds(k=project.k, l=project.l, max_suppression=project.max_suppression)
    result = search(records, project.quasi_identifiers, thresholds)
    released = [p for p in people if str(p.participant_id) in result.chosen.labels]
    key = project_key(conn, project)
    offsets = cohort.date_offsets(conn, project, released)
    subjects = {
        p.participant_id: (
            pseudonym(key, "participant", p.participant_id),
            offsets[p.participant_id],
            p.time_zone,
        )
        for p in released
    }
    labels = {
        subjects[p.participant_id][0]: dict(result.chosen.labels[str(p.participant_id)])
        for p in released
    }
    zones = {p.time_zone for p in released}
    zone = ZoneInfo(zones.pop() if len(zones) == 1 else "UTC")
    return _Release(project, key, result, len(people), subjects, labels, zone, created)


def _write(
    conn: Conn,
    release: _Release,
    out_dir: Path,
    run_id: uuid.UUID,
    progress: Progress | None,
    formats: Callable[[str, Path, _Release], FormatWriter] | None,
) -> dict[str, object]:
    project = release.project
    devices = cohort.devices_of(conn, list(release.subjects))
    device_pseudonyms = {d: pseudonym(release.key, "device", d) for d in devices}
    cohort.load_subjects(conn, release.subjects, device_pseudonyms)
    make = formats or default_formats
    writers = [make(fmt, out_dir / fmt, release) for fmt in project.formats]
    qis = project.quasi_identifiers
    people_rows = [
        (pseudo, *(labels[q] for q in qis)) for pseudo, labels in sorted(release.labels.items())
    ]
    _emit(writers, "participants", participants_columns(qis), lambda: [people_rows], progress)
    _emit(writers, DEVICES.name, DEVICES.columns, lambda: _stream(conn, DEVICES.sql, {}), progress)
    conn.execute("SELECT set_config('TimeZone', %s, true)", (str(release.time_zone),))
    conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    order = sorted(release.subjects, key=lambda pid: release.subjects[pid][0])
    params: dict[str, object] = {"metrics": list(RELEASED_METRICS)}
    for name in ("readings", "readings_5m", "daily", "alerts", "checkins"):
        if name not in project.contents:
            continue
        table = TABLES[name]
        for writer in writers:
            if isinstance(writer, TabularFormat):
                copy_out = functools.partial(_copy_out, conn, table, params, order)
                writer.bulk(
                    name,
                    table.columns,
                    copy_out,
                    functools.partial(_report, progress, f"{name} ({writer.fmt})"),
                )
        others = [w for w in writers if not isinstance(w, TabularFormat)]
        batches = functools.partial(_per_participant, conn, table.sql, params, order)
        label = f"{name} ({', '.join(f for f in project.formats if f not in TABULAR)})"
        _emit(others, name, table.columns, batches, progress, label)
    if "cgm_metrics" in project.contents:
        glucose = functools.partial(_per_participant, conn, CGM_SQL, {}, order)
        summaries = functools.partial(_summaries, glucose)
        _emit(writers, "cgm_metrics", CGM_METRICS_COLUMNS, summaries, progress)
    counts: dict[Path, int] = {}
    for writer in writers:
        counts.update(writer.close())
    return _manifest(release, run_id, file_entries(out_dir, counts), out_dir)


def default_formats(fmt: str, folder: Path, release: _Release) -> FormatWriter:
    """The writer of one format name."""
    if fmt in ("csv", "parquet"):
        return TabularFormat(fmt, folder, release.time_zone)
    if fmt == "fhir":
        from ingest.export.fhir import FhirFormat

        return FhirFormat(folder, release.key, release.time_zone, release.labels)
    if fmt == "omh":
        from ingest.export.omh import OmhFormat

        return OmhFormat(folder, release.key, release.time_zone, release.created)
    raise ExportError(f"unknown format {fmt!r}")


def _stream(
    conn: Conn, sql: str, params: dict[str, object]
) -> Iterable[Sequence[tuple[object, ...]]]:
    with conn.cursor(name=f"export_{uuid.uuid4().hex[:8]}") as cur:
        cur.itersize = BATCH_ROWS
        cur.execute(sql, params)
        while rows := cur.fetchmany(BATCH_ROWS):
            yield rows


def _per_participant(
    conn: Conn, sql: str, params: dict[str, object], order: Sequence[uuid.UUID]
) -> Iterable[Sequence[tuple[object, ...]]]:
    """``sql`` run for each participant in turn (``%(participant)s``), in batches."""
    for pid in order:
        yield from _stream(conn, sql, {**params, "participant": pid})


def _summaries(
    glucose: Callable[[], Iterable[Sequence[tuple[object, ...]]]],
) -> Iterable[list[tuple[object, ...]]]:
    return _batched(summary_rows(row for batch in glucose() for row in batch))


def _copy_out(
    conn: Conn,
    table: Table,
    params: dict[str, object],
    order: Sequence[uuid.UUID],
    flavour: Literal["csv", "typed"],
) -> Iterable[bytes]:
    """The table's CSV (header first) in chunks of up to BATCH_ROWS lines."""
    yield (csv_header(table) + "\n").encode()
    for rows in _per_participant(conn, csv_lines_sql(table, flavour), params, order):
        yield ("\n".join(str(r[0]) for r in rows) + "\n").encode()


def _report(progress: Progress | None, table: str, rows: int) -> None:
    if progress:
        progress(table, rows)


def _batched(rows: Iterable[tuple[object, ...]]) -> Iterable[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _emit(
    writers: Sequence[FormatWriter],
    table: str,
    columns: Sequence[Column],
    batches: Callable[[], Iterable[Sequence[tuple[object, ...]]]],
    progress: Progress | None,
    label: str | None = None,
) -> None:
    """Stream a table through Python to the sinks that carry it (the query runs only
    if one does); progress is reported under ``label`` (default: the table)."""
    sinks = [s for s in (w.open(table, columns) for w in writers) if s is not None]
    if not sinks:
        return
    done = 0
    for batch in batches():
        for sink in sinks:
            sink.write(batch)
        done += len(batch)
        if progress:
            progress(label or table, done)
    for sink in sinks:
        sink.finish()
    if progress:
        progress(label or table, done)


def _manifest(
    release: _Release,
    run_id: uuid.UUID,
    files: list[dict[str, object]],
    out_dir: Path,
) -> dict[str, object]:
    p = release.project
    manifest: dict[str, object] = {
        "manifest_version": MANIFEST_VERSION,
        "project": p.name,
        "run_id": str(run_id),
        "created_at": release.created.isoformat(),
        "purpose": p.purpose,
        "approval_id": p.approval_id,
        "recipient": p.recipient,
        "destroy_after": p.destroy_after.isoformat(),
        "key_id": str(p.key_id),
        "parameters": {
            "quasi_identifiers": list(p.quasi_identifiers),
            "k": p.k,
            "l": p.l,
            "max_suppression": p.max_suppression,
            "date_policy": p.date_policy.value,
            "contents": list(p.contents),
            "formats": list(p.formats),
            "metrics": list(RELEASED_METRICS),
            "time_zone": str(release.time_zone),
            "pseudonym": "HMAC-SHA256 under the project key, first 128 bits, hex",
        },
        "risk": risk_report(release.anonymisation, release.eligible),
        "row_counts": {str(f["path"]): f["rows"] for f in files},
        "files": files,
    }
    (out_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def _mark_released(conn: Conn, run_id: uuid.UUID, manifest: dict[str, object]) -> None:
    conn.execute(
        "UPDATE export_runs SET status = 'released', finished_at = now(), manifest = %s"
        " WHERE run_id = %s",
        (Jsonb(manifest), run_id),
    )


def _fail(
    conn: Conn, run_id: uuid.UUID, project: Project, status: str, message: str, actor: str
) -> None:
    with conn.transaction():
        use_custodian_role(conn)
        conn.execute(
            "UPDATE export_runs SET status = %s, finished_at = now(), message = %s"
            " WHERE run_id = %s",
            (status, message, run_id),
        )
        _audit(conn, actor, "export.run", project, status, run_id)


def _audit(
    conn: Conn,
    actor: str,
    action: str,
    project: Project,
    outcome: str,
    run_id: uuid.UUID,
    subjects: Sequence[uuid.UUID] = (),
) -> None:
    write_audit(
        conn,
        AuditEntry(
            actor,
            "custodian",
            action,
            f"export_project:{project.name}",
            outcome,
            subjects=subjects,
            reason=project.purpose,
            details={"run_id": str(run_id), "approval_id": project.approval_id},
        ),
    )
