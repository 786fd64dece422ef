"""Researchers download exactly the exports released to them, through the real API."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from ingest.export.projects import ProjectSpec, create_project
from ingest.export.run import run_export
from tests.ingest.auth.helpers import add_account, audit_rows, bearer, token_of
from tests.ingest.conftest import make_settings, serve_in_thread
from tests.ingest.export.conftest import Cohort, build_cohort

pytestmark = pytest.mark.db


@pytest.fixture
def released(db_url: str, tmp_path: Path) -> tuple[Cohort, str]:
    cohort = build_cohort(db_url, accounts=False)
    add_account(db_url, "rita.researcher", "researcher")
    add_account(db_url, "rob.researcher", "researcher")
    add_account(db_url, "cleo.clinician", "clinician")
    with psycopg.connect(db_url) as conn:
        for name, recipient in (("rita-study", "rita.researcher"), ("rob-study", "rob.researcher")):
            create_project(
                conn,
                ProjectSpec(
                    name=name,
                    purpose=f"purpose of {name}",
                    approval_id="IRB-9",
                    recipient=recipient,
                    destroy_after=dt.date(2099, 1, 1),
                    formats=("csv", "fhir"),
                ),
                actor="custodian",
                today=dt.date(2026, 12, 6),
            )
            run_export(
                conn, name, tmp_path / name, actor="custodian", now=lambda: dt.datetime.now(dt.UTC)
            )
    return cohort, db_url


@pytest.fixture
def client(released: tuple[Cohort, str]) -> Iterator[httpx.Client]:
    for base in serve_in_thread(make_settings(released[1])):
        with httpx.Client(base_url=base, timeout=30) as c:
            yield c


def test_researcher_lists_and_downloads_own_export(
    client: httpx.Client, released: tuple[Cohort, str]
) -> None:
    headers = bearer(token_of(client, "rita.researcher"))
    listed = client.get("/api/v1/exports", headers=headers)
    assert listed.status_code == 200
    body = listed.json()
    assert [e["name"] for e in body] == ["rita-study"]
    run = body[0]["runs"][0]
    assert run["risk"]["k_achieved"] >= 5
    for f in run["files"]:
        got = client.get(
            f"/api/v1/exports/rita-study/runs/{run['run_id']}/files/{f['path']}", headers=headers
        )
        assert got.status_code == 200, got.text
        assert hashlib.sha256(got.content).hexdigest() == f["sha256"]
    manifest = client.get("/api/v1/exports/rita-study/runs/latest/manifest.json", headers=headers)
    assert manifest.json()["run_id"] == run["run_id"]
    rows = audit_rows(released[1], "export.download")
    assert len(rows) == len(run["files"]) + 1
    assert all(r[2] == "success" for r in rows)


def test_another_projects_export_is_404_and_audited(
    client: httpx.Client, released: tuple[Cohort, str]
) -> None:
    rita = bearer(token_of(client, "rita.researcher"))
    rob = bearer(token_of(client, "rob.researcher"))
    robs = client.get("/api/v1/exports", headers=rob).json()[0]["runs"][0]
    path = robs["files"][0]["path"]
    for url in (
        f"/api/v1/exports/rob-study/runs/{robs['run_id']}/files/{path}",
        "/api/v1/exports/rob-study/runs/latest/manifest.json",
        f"/api/v1/exports/rita-study/runs/{robs['run_id']}/files/{path}",
        "/api/v1/exports/rita-study/runs/latest/files/../../etc/passwd",
        "/api/v1/exports/rita-study/runs/latest/files/manifest.json",
    ):
        assert client.get(url, headers=rita).status_code == 404, url
    denied = [r for r in audit_rows(released[1], "export.download") if r[2] == "denied"]
    assert len(denied) >= 4


def test_other_roles_cannot_use_the_export_api(client: httpx.Client) -> None:
    clinician = bearer(token_of(client, "cleo.clinician"))
    assert client.get("/api/v1/exports", headers=clinician).status_code == 403
    assert client.get("/api/v1/exports").status_code == 401
