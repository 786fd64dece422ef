"""Every benchmark script starts and explains itself.

The benchmarks are not run by the suite (they take minutes and measure this machine),
but each must at least import and parse its arguments from a fresh clone: bench/gateway.py
once shadowed the ``gateway`` package for bench/gateway_outbox.py, which then failed
at import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_prints_its_help(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"bench/{script} --help failed:\n{done.stderr}"
    assert "usage:" in done.stdout
