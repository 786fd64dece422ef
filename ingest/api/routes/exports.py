"""Researchers list and download the exports released to them, and nothing else.

A project released to another account answers 404, exactly like one that does not
exist, and the attempt is audited; every download is audited with the project's stated
purpose as the reason (docs/privacy.md "Audit", "Research export").
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import pydantic
from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse

from ingest.api.auth_deps import Principal, require_role
from ingest.api.deps import ConnDep
from ingest.export.releases import AsyncConn, Release, find_release, released_to
from ingest.storage.audit import write_audit_async

router = APIRouter(prefix="/exports", tags=["exports"])

ResearcherDep = Annotated[Principal, Depends(require_role("researcher"))]


class ExportFileOut(pydantic.BaseModel):
    path: str
    rows: int
    bytes: int
    sha256: str


class ExportRunOut(pydantic.BaseModel):
    run_id: uuid.UUID
    finished_at: dt.datetime
    files: list[ExportFileOut]
    risk: dict[str, object]


class ExportOut(pydantic.BaseModel):
    """A project released to the asking researcher, with its released runs."""

    name: str
    purpose: str
    approval_id: str
    destroy_after: dt.date
    runs: list[ExportRunOut]


def _run_out(release: Release) -> ExportRunOut:
    files = release.manifest.get("files", [])
    risk = release.manifest.get("risk", {})
    assert isinstance(files, list)
    assert isinstance(risk, dict)
    return ExportRunOut(
        run_id=release.run_id,
        finished_at=release.finished_at,
        files=[ExportFileOut.model_validate(f) for f in files],
        risk=risk,
    )


@router.get("")
async def list_exports(researcher: ResearcherDep, conn: ConnDep) -> list[ExportOut]:
    """The projects released to this researcher (newest run first)."""
    releases = await released_to(conn, researcher.account_id)
    out: dict[str, ExportOut] = {}
    for r in releases:
        project = out.setdefault(
            r.project,
            ExportOut(
                name=r.project,
                purpose=r.purpose,
                approval_id=r.approval_id,
                destroy_after=r.destroy_after,
                runs=[],
            ),
        )
        project.runs.append(_run_out(r))
    await write_audit_async(conn, researcher.audit("export.list", "exports", "success"))
    await conn.commit()
    return list(out.values())


@router.get("/{name}/runs/{run}/manifest.json")
async def manifest(
    name: str, run: str, researcher: ResearcherDep, conn: ConnDep
) -> dict[str, object]:
    """The run's manifest (``run`` is a run id or ``latest``)."""
    release = await _released(conn, researcher, name, run, "manifest.json")
    await _audit_download(conn, researcher, release, "manifest.json")
    return release.manifest


@router.get("/{name}/runs/{run}/files/{path:path}")
async def download(
    name: str, run: str, path: str, researcher: ResearcherDep, conn: ConnDep
) -> FileResponse:
    """One file listed in the run's manifest; audited with the project's purpose."""
    release = await _released(conn, researcher, name, run, path)
    entry = release.file_entry(path)
    local = release.local_path(path) if entry is not None else None
    if entry is None or local is None or not local.is_file():
        await _refuse(conn, researcher, name, run, path, "no such file in this export")
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"{path!r} is not a file of export {name!r} run {run}; GET /api/v1/exports "
            "lists the files",
        )
    await _audit_download(conn, researcher, release, path)
    return FileResponse(
        local,
        filename=local.name,
        headers={"X-Wearmon-SHA256": str(entry["sha256"])},
    )


async def _released(
    conn: AsyncConn, researcher: Principal, name: str, run: str, path: str
) -> Release:
    release = await find_release(conn, researcher.account_id, name, run)
    if release is None:
        await _refuse(conn, researcher, name, run, path, "not released to this account")
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no export {name!r} (run {run}) released to you; GET /api/v1/exports lists yours",
        )
    return release


async def _audit_download(
    conn: AsyncConn, researcher: Principal, release: Release, path: str
) -> None:
    await write_audit_async(
        conn,
        researcher.audit(
            "export.download",
            f"export_project:{release.project}",
            "success",
            reason=release.purpose,
            details={
                "run_id": str(release.run_id),
                "path": path,
                "approval_id": release.approval_id,
            },
        ),
    )
    await conn.commit()


async def _refuse(
    conn: AsyncConn, researcher: Principal, name: str, run: str, path: str, why: str
) -> None:
    await conn.rollback()
    await write_audit_async(
        conn,
        researcher.audit(
            "export.download",
            f"export_project:{name}",
            "denied",
            details={"run": run, "path": path, "reason": why},
        ),
    )
    await conn.commit()
