"""Tables of the outbox database (SQLite), versioned with ``PRAGMA user_version``.

``STEPS[i]`` upgrades a version-``i`` database to version ``i + 1``; a new database runs
every step, so a fresh outbox and an upgraded one have the same tables.
"""

from __future__ import annotations

from typing import Final

_V1: Final[tuple[str, ...]] = (
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

# Version 2: what the upload policy (gateway.priority) orders by, as columns and an index,
# so that forming a batch reads a few index ranges instead of parsing every waiting
# reading. Existing rows are filled from their JSON; ``measured_at`` is always written by
# gateway.reading.format_instant ("YYYY-MM-DDTHH:MM:SS.ffffff+00:00", UTC).
_MEASURED_AT = "json_extract(reading, '$.measured_at')"
_V2: Final[tuple[str, ...]] = (
    "ALTER TABLE readings ADD COLUMN device_id TEXT",
    "ALTER TABLE readings ADD COLUMN metric TEXT",
    "ALTER TABLE readings ADD COLUMN measured_us INTEGER",  # microseconds since 1970, UTC
    f"""UPDATE readings SET
        device_id = json_extract(reading, '$.device_id'),
        metric = json_extract(reading, '$.metric'),
        measured_us = CAST(strftime('%s', substr({_MEASURED_AT}, 1, 19)) AS INTEGER) * 1000000
                      + CAST(substr({_MEASURED_AT}, 21, 6) AS INTEGER)""",
    "CREATE INDEX readings_stream ON readings (batch_seq, device_id, metric, measured_us)",
    # Every (device, metric) ever stored: a handful per gateway, listed without a scan.
    """CREATE TABLE streams (
        device_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        PRIMARY KEY (device_id, metric)
    ) WITHOUT ROWID""",
    "INSERT OR IGNORE INTO streams SELECT DISTINCT device_id, metric FROM readings",
)

# Version 3: wellbeing check-ins answered at the home page (gateway.checkin_queue). A row
# is "open" while the participant answers (the dialogue state, so a stopped or interrupted
# check-in resumes, even after a restart), "pending" once completed (body and
# Idempotency-Key fixed in the same transaction, re-sent byte-identical until the API
# answers 200, then deleted) or "rejected" (the API refused it with 403/422: kept for an
# operator, not retried).
_V3: Final[tuple[str, ...]] = (
    """CREATE TABLE checkins (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        participant_id TEXT NOT NULL,
        instrument TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'rejected')),
        idempotency_key TEXT UNIQUE,
        body BLOB,
        http_status INTEGER,
        reason TEXT
    )""",
    # At most one check-in in progress per participant and instrument.
    "CREATE UNIQUE INDEX checkins_open ON checkins (participant_id, instrument) "
    "WHERE status = 'open'",
    "CREATE INDEX checkins_status ON checkins (status, id)",
)

STEPS: Final[tuple[tuple[str, ...], ...]] = (_V1, _V2, _V3)
SCHEMA_VERSION: Final = len(STEPS)
