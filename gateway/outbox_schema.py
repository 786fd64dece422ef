"""Tables of the outbox database (SQLite), versioned with ``PRAGMA user_version``."""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = 1

SCHEMA: Final[tuple[str, ...]] = (
    # AUTOINCREMENT: ids never reused, so id order is arrival order even after deletes.
    """CREATE TABLE readings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reading TEXT NOT NULL,
        batch_seq INTEGER  -- batches.sequence once formed
    )""",
    "CREATE INDEX readings_unbatched ON readings (batch_seq, id)",
    # A formed batch: re-sent byte-identical with the same key until acknowledged.
    """CREATE TABLE batches (
        sequence INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        body BLOB NOT NULL,
        reading_ids TEXT NOT NULL
    )""",
    """CREATE TABLE rejected (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reading TEXT NOT NULL,
        field TEXT NOT NULL,
        reason TEXT NOT NULL,
        rejected_at TEXT NOT NULL
    )""",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE cgm_progress (
        device_id TEXT PRIMARY KEY,
        session_start TEXT NOT NULL,
        last_offset_min INTEGER NOT NULL
    )""",
    """CREATE TABLE device_info (
        device_id TEXT PRIMARY KEY,
        info TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE clock_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id TEXT NOT NULL,
        gateway_at TEXT NOT NULL,
        device_clock TEXT NOT NULL
    )""",
)
