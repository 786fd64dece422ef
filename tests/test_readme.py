"""The README documents every setting and every command the CLI has."""

from __future__ import annotations

import argparse
from pathlib import Path

from ingest.settings import ServerSettings
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
