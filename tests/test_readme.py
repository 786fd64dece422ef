"""The README documents every setting and every command the CLI has."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from ingest.settings import ServerSettings
from wearmon.api_process import free_port
from wearmon.cli import build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table() -> None:
    for name in ServerSettings.model_fields:
        env = "DATABASE_URL" if name == "database_url" else f"WEARMON_{name.upper()}"
        assert f"`{env}`" in README, f"{env} is missing from the README configuration table"


def test_every_subcommand_is_in_the_readme() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in sub.choices:
        assert f"`wearmon {name}" in README, f"wearmon {name} is missing from the README"


_OFFLINE = "<!-- runs offline:"


def offline_blocks() -> list[str]:
    """The README's bash blocks marked as runnable offline (the marker precedes them)."""
    blocks = []
    for part in README.split(_OFFLINE)[1:]:
        fence = part.index("```bash\n") + len("```bash\n")
        blocks.append(part[fence : part.index("```", fence)])
    return blocks


def test_the_ingestion_walkthrough_runs_as_written(tmp_path: Path) -> None:
    """As a newcomer would paste it, on a fresh data directory and a free port."""
    blocks = offline_blocks()
    assert blocks, "no README block is marked to run offline"
    port = str(free_port())
    bin_dir = str(Path(sys.executable).parent) + "/"
    for block in blocks:
        script = block.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace(".venv/bin/", bin_dir)
        # Stop what the block started in the background (the server and its PostgreSQL).
        script = "set -e\n" + script + "\nkill %1 2>/dev/null || true\nwait\n"
        env = {
            **os.environ,
            "WEARMON_DATA_DIR": str(tmp_path / "data"),
            "WEARMON_PORT": port,
            "WEARMON_ALERT_WORKERS": "0",
        }
        with subprocess.Popen(
            ["bash", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        ) as proc:
            try:
                out, err = proc.communicate(timeout=300)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        assert '{"accepted":1,"duplicates":0,"rejected":[]}' in done.stdout, done.stdout
        assert '{"accepted":0,"duplicates":1,"rejected":[]}' in done.stdout, done.stdout
