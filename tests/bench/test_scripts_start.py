"""Every benchmark starts as ``python -m bench.NAME`` and explains itself.

The benchmarks are not run by the suite (they take minutes and measure this machine),
but each must at least import and parse its arguments from a fresh clone, as a module
of the ``bench`` package (a script run by path once shadowed the ``gateway`` package).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
MODULES = sorted(p.stem for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def test_no_benchmark_edits_sys_path() -> None:
    edits = [p.name for p in BENCH.glob("*.py") if "sys.path" in p.read_text(encoding="utf-8")]
    assert not edits, f"run as python -m bench.NAME instead of editing sys.path: {edits}"


@pytest.mark.parametrize("module", MODULES)
def test_benchmark_prints_its_help(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"python -m bench.{module} --help failed:\n{done.stderr}"
    assert "usage:" in done.stdout
