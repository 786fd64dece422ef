"""Which database a command talks to: ``--database-url``/``DATABASE_URL`` or the embedded one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from ingest.db import embedded
from ingest.db.preflight import check_database
from ingest.settings import ServerSettings


@contextlib.contextmanager
def database_url(url: str | None, data_dir: Path | None) -> Iterator[str]:
    """Yield a usable URL; start the embedded PostgreSQL when no URL is given.

    Flags win over the environment (``DATABASE_URL``, ``WEARMON_DATA_DIR``), so every
    command resolves the same database the server does.
    """
    given = {"database_url": url, "data_dir": data_dir}
    settings = ServerSettings(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
    if settings.database_url:
        # A clear "cannot connect" now, rather than a driver traceback mid-command.
        check_database(settings.database_url)
        yield settings.database_url
        return
    started, handle = embedded.start(settings.data_dir or embedded.default_data_dir())
    try:
        yield started
    finally:
        handle.cleanup()
