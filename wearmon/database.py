"""Which database a command talks to: ``--database-url``/``DATABASE_URL`` or the embedded one."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ingest.db import embedded


@contextlib.contextmanager
def database_url(url: str | None, data_dir: Path | None) -> Iterator[str]:
    """Yield a usable URL; start the embedded PostgreSQL when no URL is given."""
    url = url or os.environ.get("DATABASE_URL") or os.environ.get("WEARMON_DATABASE_URL")
    if url:
        yield url
        return
    started, handle = embedded.start(data_dir or embedded.default_data_dir())
    try:
        yield started
    finally:
        handle.cleanup()
