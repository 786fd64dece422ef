"""Durable outbox: every reading is in SQLite before any upload, until the API acknowledges it.

Guarantees (the process may be killed at any instant):

- ``put`` is one transaction: readings (and the CGM back-fill progress that goes with them)
  are stored together or not at all.
- ``peek_batch`` forms a batch live data first (``gateway.priority``: readings measured
  in the last minute and glucose before any backlog, the backlog shared fairly between
  streams), so a reading measured now never waits behind hours of back-filled heart rate.
- A batch, once formed by ``peek_batch``, is persisted with its Idempotency-Key, sequence
  number and exact body bytes; it is re-sent byte-identical until acknowledged, so a crash
  mid-upload never gives the same readings a second key.
- ``ack`` deletes only the readings the API acknowledged, writing rejected ones to a
  persistent log in the same transaction (never silently dropped).
- The store is bounded; when full the oldest readings not yet in a formed batch are
  dropped and the drop counter (reported in heartbeats) is persisted.

The database runs in WAL mode with ``synchronous=FULL``: in WAL mode ``NORMAL`` may lose
the last transactions on power loss (SQLite docs, "PRAGMA synchronous"), and a home
gateway loses power. Calls are short and synchronous; async callers wrap them in
``asyncio.to_thread`` (a lock makes the connection safe to share across threads).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import OutboxError
from gateway.outbox_schema import SCHEMA_VERSION, STEPS
from gateway.priority import FRESH_S, Pending, Stream, choose_batch, epoch_us
from gateway.reading import Reading, format_instant

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
_DROP_LOG_EVERY = 1000  # log lines for a full outbox: one per this many dropped readings
# The rejected-readings log keeps the newest 100k entries (~20 MB): days of a misbehaving
# device, bounded so a long outage followed by stale-data rejections cannot fill the disk.
REJECTED_KEEP = 100_000
# SQLite limits bound parameters (999 before 3.32); statements use chunks below that.
_MAX_PARAMS = 900


def utc_now() -> dt.datetime:
    """The current instant, time zone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class OutboxBatch:
    """A formed batch: sent as ``body`` with ``idempotency_key`` until acknowledged.

    Attributes
    ----------
    sequence : int
        Per-gateway increasing batch number (also in the body).
    idempotency_key : str
        UUID sent in the ``Idempotency-Key`` header.
    body : bytes
        The exact JSON request body.
    reading_ids : tuple of int
        Outbox ids of the readings, in body order (index i of ``readings`` is
        ``reading_ids[i]``).
    """

    sequence: int
    idempotency_key: str
    body: bytes
    reading_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the API refused one reading (recorded, then the reading is acknowledged)."""

    reading_id: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class CgmProgress:
    """How far the gateway holds a CGM's records: used for the next RACP request.

    Attributes
    ----------
    device_id : str
    session_start : str
        The sensor session's start time as the device reported it (ISO 8601); a new
        session invalidates the offset.
    last_offset_min : int
        Largest time offset (minutes since session start) stored in the outbox.
    """

    device_id: str
    session_start: str
    last_offset_min: int


class Outbox:
    """SQLite-backed store-and-forward queue of readings.

    Parameters
    ----------
    path : pathlib.Path
        Database file (created with its tables when missing).
    gateway_id : str
        Written into every batch body.
    max_rows : int
        Bound on stored readings (drop-oldest beyond it).
    clock : callable, optional
        Returns the current aware datetime (``sent_at`` of new batches, and "now" for
        the upload order).
    fresh_s : float, optional
        Readings measured this recently go first (``gateway.priority.FRESH_S``).
    """

    def __init__(
        self,
        path: Path,
        *,
        gateway_id: str,
        max_rows: int,
        clock: Clock = utc_now,
        fresh_s: float = FRESH_S,
    ) -> None:
        if max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, got {max_rows}")
        self.path = path
        self.gateway_id = gateway_id
        self.max_rows = max_rows
        self._clock = clock
        self.fresh_s = fresh_s
        self._lock = threading.Lock()
        self._drops_unlogged = 0
        self._drop_lines = 0
        self._rows: int | None = None
        self._data_version = -1
        self._db = _connect(path)

    def close(self) -> None:
        """Close the database (pending transactions were already committed)."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.rollback()
                self._rows = None  # the cached count may include rolled-back changes
                raise
            self._db.commit()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the outbox database, committed on a clean exit.

        For the other queues kept in the same file (``gateway.checkin_queue``), so that
        they share its durability settings and lock.
        """
        with self._tx() as db:
            yield db

    # -- writing ---------------------------------------------------------------------

    def put(self, readings: Sequence[Reading], progress: CgmProgress | None = None) -> int:
        """Store readings durably (and the CGM progress they reach) in one transaction.

        Parameters
        ----------
        readings : sequence of Reading
        progress : CgmProgress, optional
            Back-fill position to persist together with these readings.

        Returns
        -------
        int
            Readings dropped (oldest first) to keep the store within ``max_rows``.
        """
        encoded = [
            (_compact_json(r.to_json()), r.device_id, r.metric, epoch_us(r.measured_at))
            for r in readings
        ]
        streams = sorted({(r.device_id, r.metric) for r in readings})
        with self._tx() as db:
            stored = self._row_count(db) + len(encoded)
            db.executemany(
                "INSERT INTO readings (reading, device_id, metric, measured_us) "
                "VALUES (?, ?, ?, ?)",
                encoded,
            )
            db.executemany(
                "INSERT OR IGNORE INTO streams (device_id, metric) VALUES (?, ?)", streams
            )
            if progress is not None:
                _save_progress(db, progress)
            excess = stored - self.max_rows
            dropped = _drop_oldest(db, excess) if excess > 0 else 0
            self._rows = stored - dropped
        self._log_drops(dropped)
        return dropped

    def _log_drops(self, dropped: int) -> None:
        # The first drop, then one line per _DROP_LOG_EVERY readings (not one per put).
        if not dropped:
            return
        self._drops_unlogged += dropped
        if self._drop_lines == 0 or self._drops_unlogged >= _DROP_LOG_EVERY:
            log.warning(
                "outbox full (%d rows): dropped %d more of the oldest readings; the API has "
                "been unreachable too long or outbox_max_rows is too small",
                self.max_rows,
                self._drops_unlogged,
            )
            self._drop_lines += 1
            self._drops_unlogged = 0

    def peek_batch(self, max_readings: int) -> OutboxBatch | None:
        """Return the batch to send: the persisted in-flight one, else a newly formed one.

        Parameters
        ----------
        max_readings : int
            Size limit for a newly formed batch (an in-flight batch keeps its size).

        Returns
        -------
        OutboxBatch or None
            None when the outbox holds nothing to send.
        """
        with self._tx() as db:
            batch = _inflight(db)
            if batch is None:
                batch = self._form_batch(db, max_readings)
        return batch

    def _form_batch(self, db: sqlite3.Connection, max_readings: int) -> OutboxBatch | None:
        now = self._clock()
        ids = choose_batch(
            _newest_first(db, max_readings), now=now, size=max_readings, fresh_s=self.fresh_s
        )
        if not ids:
            return None
        sequence = _next_sequence(db)
        body = _batch_body(self.gateway_id, sequence, now, _reading_texts(db, ids))
        key = str(uuid.uuid4())
        db.execute(
            "INSERT INTO batches (sequence, idempotency_key, body, reading_ids) VALUES (?,?,?,?)",
            (sequence, key, body, json.dumps(ids)),
        )
        db.executemany(
            "UPDATE readings SET batch_seq = ? WHERE id = ?", [(sequence, i) for i in ids]
        )
        return OutboxBatch(sequence, key, body, ids)

    def ack(self, reading_ids: Sequence[int], rejections: Sequence[Rejection] = ()) -> int:
        """Delete acknowledged readings; log the rejected ones first (same transaction).

        A batch whose readings are all gone is removed with them.

        Parameters
        ----------
        reading_ids : sequence of int
            Readings the API acknowledged (stored, duplicate or rejected).
        rejections : sequence of Rejection
            Reasons for the rejected ones; each ``reading_id`` must be in ``reading_ids``.

        Returns
        -------
        int
            Readings deleted.
        """
        acked = set(reading_ids)
        stray = [r.reading_id for r in rejections if r.reading_id not in acked]
        if stray:
            raise ValueError(f"rejections for readings not being acknowledged: {stray}")
        now = format_instant(self._clock())
        with self._tx() as db:
            _log_rejections(db, rejections, now)
            stored = self._row_count(db)
            deleted = _delete_readings(db, list(acked))
            self._rows = stored - deleted
            db.execute(
                "DELETE FROM batches WHERE NOT EXISTS "
                "(SELECT 1 FROM readings WHERE readings.batch_seq = batches.sequence)"
            )
        return deleted

    def dissolve_batch(self, sequence: int) -> None:
        """Forget a formed batch the API never stored; its readings become unbatched.

        Only for answers that prove nothing was stored (413, 409, 422); the readings are
        then re-sent in a new batch with a new key.
        """
        with self._tx() as db:
            db.execute("UPDATE readings SET batch_seq = NULL WHERE batch_seq = ?", (sequence,))
            db.execute("DELETE FROM batches WHERE sequence = ?", (sequence,))

    # -- bookkeeping -------------------------------------------------------------------

    def depth(self) -> int:
        """Readings stored and not yet acknowledged."""
        with self._lock:
            return self._row_count(self._db)

    def _row_count(self, db: sqlite3.Connection) -> int:
        # count(*) scans a whole index (slow at a million rows): count once, then keep the
        # number up to date from each committed change. A commit by another connection to
        # the same file (another process) changes PRAGMA data_version (SQLite docs,
        # "PRAGMA data_version"): count afresh then. Call with the lock held.
        version = int(db.execute("PRAGMA data_version").fetchone()[0])
        if self._rows is None or version != self._data_version:
            self._rows = int(db.execute("SELECT count(*) FROM readings").fetchone()[0])
            self._data_version = version
        return self._rows

    def dropped_total(self) -> int:
        """Readings ever dropped because the store was full (persisted)."""
        with self._lock:
            return _meta_int(self._db, "dropped_total")

    def mark_uploaded(self, at: dt.datetime) -> None:
        """Persist the time of the last acknowledged upload (reported in heartbeats)."""
        with self._tx() as db:
            _set_meta(db, "last_upload_at", format_instant(at))

    def last_upload_at(self) -> dt.datetime | None:
        """Time of the last acknowledged upload, or None if there never was one."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'last_upload_at'").fetchone()
        return None if row is None else dt.datetime.fromisoformat(str(row[0]))

    def rejected(self) -> list[dict[str, object]]:
        """The rejected-readings log, oldest first (for operators and tests)."""
        with self._lock:
            cur = self._db.execute(
                "SELECT reading, field, reason, rejected_at FROM rejected ORDER BY id"
            )
            return [
                {"reading": json.loads(r[0]), "field": r[1], "reason": r[2], "rejected_at": r[3]}
                for r in cur.fetchall()
            ]

    def cgm_progress(self, device_id: str) -> CgmProgress | None:
        """The persisted back-fill position of a CGM, or None before the first record."""
        with self._lock:
            row = self._db.execute(
                "SELECT session_start, last_offset_min FROM cgm_progress WHERE device_id = ?",
                (device_id,),
            ).fetchone()
        return None if row is None else CgmProgress(device_id, str(row[0]), int(row[1]))

    def record_device_info(self, device_id: str, info: Mapping[str, str]) -> None:
        """Persist Device Information strings read at connect time (manufacturer, ...)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO device_info (device_id, info, updated_at) VALUES (?,?,?) "
                "ON CONFLICT (device_id) DO UPDATE SET info = excluded.info, "
                "updated_at = excluded.updated_at",
                (device_id, json.dumps(dict(info), sort_keys=True), format_instant(self._clock())),
            )

    def record_clock(self, device_id: str, gateway_at: dt.datetime, device_clock: str) -> None:
        """Log the device's clock reading against the gateway clock (clock drift)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO clock_log (device_id, gateway_at, device_clock) VALUES (?,?,?)",
                (device_id, format_instant(gateway_at), device_clock),
            )


def _connect(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        db.execute("PRAGMA synchronous=FULL")
        _migrate(db)
    except sqlite3.Error as exc:
        raise OutboxError(
            f"cannot open the outbox database {path}: {exc}; check the path is writable "
            "and the file is not corrupt (keep it: it may hold unsent readings)"
        ) from exc
    if str(mode).lower() != "wal":
        log.warning("outbox %s: WAL mode unavailable (got %s); durability unchanged", path, mode)
    return db


def _migrate(db: sqlite3.Connection) -> None:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise OutboxError(
            f"outbox schema version {version} found, this gateway expects {SCHEMA_VERSION}; "
            "install the matching gateway version (do not delete the file: it holds readings)"
        )
    # All steps in one transaction: a crash mid-upgrade leaves the old version intact.
    db.execute("BEGIN IMMEDIATE")
    try:
        for step in STEPS[version:]:
            for statement in step:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.rollback()
        raise
    db.commit()
    if version:
        log.info("outbox upgraded from schema version %d to %d", version, SCHEMA_VERSION)


def _inflight(db: sqlite3.Connection) -> OutboxBatch | None:
    row = db.execute(
        "SELECT sequence, idempotency_key, body, reading_ids FROM batches ORDER BY sequence LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return OutboxBatch(int(row[0]), str(row[1]), bytes(row[2]), tuple(json.loads(row[3])))


def _newest_first(db: sqlite3.Connection, limit: int) -> dict[Stream, list[Pending]]:
    """Per stream, its newest ``limit`` unbatched readings (index range scans)."""
    out: dict[Stream, list[Pending]] = {}
    for device_id, metric in db.execute("SELECT device_id, metric FROM streams").fetchall():
        rows = db.execute(
            "SELECT id, measured_us FROM readings WHERE batch_seq IS NULL AND device_id = ? "
            "AND metric = ? ORDER BY measured_us DESC, id DESC LIMIT ?",
            (device_id, metric, limit),
        ).fetchall()
        if rows:
            out[(str(device_id), str(metric))] = [Pending(int(i), int(us)) for i, us in rows]
    return out


def _reading_texts(db: sqlite3.Connection, ids: Sequence[int]) -> list[str]:
    """The stored JSON of each reading, in the order of ``ids``."""
    text: dict[int, str] = {}
    for start in range(0, len(ids), _MAX_PARAMS):
        chunk = ids[start : start + _MAX_PARAMS]
        marks = ",".join("?" * len(chunk))
        for i, reading in db.execute(
            f"SELECT id, reading FROM readings WHERE id IN ({marks})", chunk
        ).fetchall():
            text[int(i)] = str(reading)
    return [text[i] for i in ids]


def _batch_body(gateway_id: str, sequence: int, sent_at: dt.datetime, readings: list[str]) -> bytes:
    head = _compact_json(
        {"gateway_id": gateway_id, "sequence": sequence, "sent_at": format_instant(sent_at)}
    )
    # Readings are stored as compact JSON already; splice them in rather than re-encode.
    return (head[:-1] + ',"readings":[' + ",".join(readings) + "]}").encode("utf-8")


def _compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _next_sequence(db: sqlite3.Connection) -> int:
    sequence = _meta_int(db, "next_sequence") or 1
    _set_meta(db, "next_sequence", str(sequence + 1))
    return sequence


def _drop_oldest(db: sqlite3.Connection, excess: int) -> int:
    """Delete the ``excess`` oldest readings not in a formed batch; count them as dropped."""
    cur = db.execute(
        "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE batch_seq IS NULL "
        "ORDER BY id LIMIT ?)",
        (excess,),
    )
    dropped = int(cur.rowcount)
    _set_meta(db, "dropped_total", str(_meta_int(db, "dropped_total") + dropped))
    return dropped


def _save_progress(db: sqlite3.Connection, progress: CgmProgress) -> None:
    db.execute(
        "INSERT INTO cgm_progress (device_id, session_start, last_offset_min) VALUES (?,?,?) "
        "ON CONFLICT (device_id) DO UPDATE SET session_start = excluded.session_start, "
        "last_offset_min = CASE WHEN cgm_progress.session_start = excluded.session_start "
        "THEN max(cgm_progress.last_offset_min, excluded.last_offset_min) "
        "ELSE excluded.last_offset_min END",
        (progress.device_id, progress.session_start, progress.last_offset_min),
    )


def _log_rejections(db: sqlite3.Connection, rejections: Sequence[Rejection], now: str) -> None:
    for r in rejections:
        db.execute(
            "INSERT INTO rejected (reading, field, reason, rejected_at) "
            "SELECT reading, ?, ?, ? FROM readings WHERE id = ?",
            (r.field, r.reason, now, r.reading_id),
        )
        log.error("API rejected reading %d (%s): %s", r.reading_id, r.field, r.reason)
    if rejections:
        db.execute(
            "DELETE FROM rejected WHERE id <= (SELECT max(id) FROM rejected) - ?",
            (REJECTED_KEEP,),
        )


def _delete_readings(db: sqlite3.Connection, ids: list[int]) -> int:
    deleted = 0
    for start in range(0, len(ids), _MAX_PARAMS):
        chunk = ids[start : start + _MAX_PARAMS]
        marks = ",".join("?" * len(chunk))
        deleted += db.execute(f"DELETE FROM readings WHERE id IN ({marks})", chunk).rowcount
    return deleted


def _meta_int(db: sqlite3.Connection, key: str) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return 0 if row is None else int(row[0])


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
