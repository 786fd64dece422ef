"""Where the benchmarks find the public datasets (docs/data.md)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

#: The repository root (bench/..).
ROOT = Path(__file__).resolve().parents[1]
#: The data directory when neither ``--data`` nor ``WEARMON_DATA`` names one: a
#: ``shared/data`` directory next to the checkout.
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def default_data_dir() -> Path:
    """``$WEARMON_DATA`` if set, else :data:`DEFAULT_DATA`."""
    env = os.environ.get("WEARMON_DATA")
    return Path(env) if env else DEFAULT_DATA


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """``--data DIR`` (also ``--data-dir``), stored as ``args.data_dir``."""
    parser.add_argument(
        "--data",
        "--data-dir",
        dest="data_dir",
        type=Path,
        default=default_data_dir(),
        help="dataset directory laid out as docs/data.md says "
        "(default: $WEARMON_DATA, else ../shared/data)",
    )
