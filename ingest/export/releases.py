"""Released exports as their recipient sees them (application role; no keys, no offsets)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import psycopg

AsyncConn = psycopg.AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class Release:
    """One released run of a project whose recipient is the asking researcher."""

    project: str
    purpose: str
    approval_id: str
    destroy_after: dt.date
    run_id: uuid.UUID
    finished_at: dt.datetime
    out_dir: Path
    manifest: dict[str, object]

    def file_entry(self, path: str) -> dict[str, object] | None:
        """The manifest's entry for ``path`` (only listed files can be downloaded)."""
        files = self.manifest.get("files")
        assert isinstance(files, list)
        return next((f for f in files if isinstance(f, dict) and f.get("path") == path), None)

    def local_path(self, path: str) -> Path:
        """Where a listed file lives; never outside the run's directory."""
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"{path!r} is not a path inside the export")
        return self.out_dir.joinpath(*relative.parts)


_SELECT = (
    "SELECT p.name, p.purpose, p.approval_id, p.destroy_after, r.run_id, r.finished_at,"
    " r.out_dir, r.manifest FROM export_projects p JOIN export_runs r USING (project_id)"
    " WHERE p.recipient_id = %s AND p.destroyed_at IS NULL AND r.status = 'released'"
)


def _release(row: tuple[object, ...]) -> Release:
    name, purpose, approval, destroy, run_id, finished, out_dir, manifest = row
    assert isinstance(destroy, dt.date)
    assert isinstance(finished, dt.datetime)
    assert isinstance(manifest, dict)
    return Release(
        str(name),
        str(purpose),
        str(approval),
        destroy,
        uuid.UUID(str(run_id)),
        finished,
        Path(str(out_dir)),
        manifest,
    )


async def released_to(conn: AsyncConn, account_id: uuid.UUID) -> list[Release]:
    """Every released run of every live project whose recipient is ``account_id``."""
    cur = await conn.execute(_SELECT + " ORDER BY p.name, r.finished_at DESC", (account_id,))
    return [_release(r) for r in await cur.fetchall()]


async def find_release(
    conn: AsyncConn, account_id: uuid.UUID, project: str, run: str
) -> Release | None:
    """The run ``run`` ("latest" or a run id) of ``project``, if released to the account."""
    if run == "latest":
        cur = await conn.execute(
            _SELECT + " AND p.name = %s ORDER BY r.finished_at DESC LIMIT 1",
            (account_id, project),
        )
    else:
        try:
            run_id = uuid.UUID(run)
        except ValueError:
            return None
        cur = await conn.execute(
            _SELECT + " AND p.name = %s AND r.run_id = %s", (account_id, project, run_id)
        )
    row = await cur.fetchone()
    return None if row is None else _release(row)
