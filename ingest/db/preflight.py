"""Before a command or the server uses a database URL: is it one, can we connect, is it
safe. Each failure is an ``IngestError`` whose message says what to do, so commands end
in ``wearmon: error: ...`` instead of a driver traceback."""

from __future__ import annotations

import psycopg

from ingest.errors import IngestError

# Long enough for a server across a slow network, short enough that a typo in the host
# is reported before the user gives up.
CONNECT_TIMEOUT_S = 10


class DatabaseUnavailableError(IngestError):
    """The database URL is malformed or the server cannot be reached."""


class UnsafeDatabaseError(IngestError):
    """Production mode was given a database role that must not run the service."""


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<malformed URL>"
    info.pop("password", None)
    return psycopg.conninfo.make_conninfo("", **{k: v for k, v in info.items() if v is not None})


def check_database(url: str, *, production: bool = False) -> None:
    """Connect once; in production, refuse a superuser role (a compromised API would own
    the whole cluster, and superusers bypass the audit log's row security)."""
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise DatabaseUnavailableError(
            f"the database URL is malformed ({_first_line(exc)}); expected e.g. "
            "postgresql://user:password@host:5432/dbname (--database-url or DATABASE_URL)"
        ) from None
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            row = conn.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except psycopg.Error as exc:
        raise DatabaseUnavailableError(
            f"cannot connect to the database {redacted(url)}: {_first_line(exc)}; check "
            "that PostgreSQL is running there and the URL (--database-url or DATABASE_URL)"
        ) from None
    if production and row is not None and row[0]:
        raise UnsafeDatabaseError(
            "production mode refuses to run as a database superuser; create a role that "
            "owns the wearmon database (CREATEROLE, not SUPERUSER) and use it in DATABASE_URL"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
