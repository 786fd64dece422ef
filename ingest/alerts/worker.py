"""The alert worker loop: wake on NOTIFY, drain the queue, run the timer and escalation.

Entry point: :func:`run_worker` (``wearmon worker``, ``wearmon serve`` and ``wearmon
demo`` all call it, in a thread or a child process of their own, since rule evaluation
is CPU-bound numpy work that must not stall the API's event loop). Several workers may
run against one database: queue rows are claimed with ``FOR UPDATE SKIP LOCKED``, each
participant is evaluated under a session advisory lock, escalation and notification
rows are taken with ``SKIP LOCKED``, and the partial unique index on tracking alerts
rejects a duplicate alert should everything else fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg

from ingest.alerts import queue
from ingest.alerts.engine import EngineSettings, Evaluated, evaluate_claimed, timer_pass
from ingest.alerts.notifier import LogNotifier, Notifier, dispatch
from ingest.alerts.store import escalate_due
from ingest.db.pool import APP_ROLE

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
#: Longest sleep between checks of the stop flag and of deferred (heart) queue rows.
_IDLE_S = 1.0
#: Longest drain of the queue before the timer, escalations and notifications get a turn.
_DRAIN_S = 1.0


class StopFlag(Protocol):
    """``threading.Event`` or ``multiprocessing.Event``."""

    def is_set(self) -> bool: ...


def utc_now() -> dt.datetime:
    """The default clock."""
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class PassReport:
    """What one pass of the loop did (for tests, logs and the benchmark)."""

    at: dt.datetime
    evaluated: list[Evaluated] = field(default_factory=list)
    deferred: int = 0
    timer: list[Evaluated] | None = None
    escalations: int = 0
    sent: int = 0


def _connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    conn = psycopg.connect(url, autocommit=True)
    try:
        conn.execute(f"SET ROLE {APP_ROLE}")
    except psycopg.errors.InsufficientPrivilege:
        log.warning("cannot SET ROLE %s; the worker works as the connecting user", APP_ROLE)
    return conn


class Worker:
    """One alert worker on one database connection; drive it with :meth:`run_pass`.

    Parameters
    ----------
    url : str
        PostgreSQL URL.
    settings : EngineSettings
        Retrospective limit, heart interval, timer interval, claim batch.
    clock : callable returning an aware datetime
        Injected in tests (simulated time); the wall clock by default.
    notifier : Notifier
        Delivers notifications (default :class:`~ingest.alerts.notifier.LogNotifier`).
    """

    def __init__(
        self,
        url: str,
        settings: EngineSettings | None = None,
        *,
        clock: Clock = utc_now,
        notifier: Notifier | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        self.clock = clock
        self.notifier: Notifier = notifier or LogNotifier()
        self.conn = _connect(url)
        self._next_timer: dt.datetime | None = None

    def close(self) -> None:
        self.conn.close()

    def drain(self, now: dt.datetime, report: PassReport) -> None:
        """Evaluate the participants due on the queue at ``now`` (for at most ~1 s).

        The bound keeps the timer and escalations running under a constant stream of
        new data; the loop comes straight back to the queue after them.
        """
        deadline = time.monotonic() + _DRAIN_S
        while time.monotonic() < deadline:
            claimed = queue.claim(self.conn, now, self.settings.claim_batch)
            if not claimed:
                return
            for item in claimed:
                try:
                    result = evaluate_claimed(self.conn, item, now, self.settings)
                except Exception:
                    # Keep the participant's work: put it back, due again in a minute.
                    log.exception("evaluation of %s failed; retrying later", item.participant_id)
                    with contextlib.suppress(psycopg.Error):
                        queue.defer(
                            self.conn,
                            item.participant_id,
                            item.pending,
                            now + dt.timedelta(minutes=1),
                            item.newest_received_at,
                        )
                    continue
                finally:
                    with contextlib.suppress(psycopg.Error):
                        queue.unlock_participant(self.conn, item.participant_id)
                if result is None:
                    report.deferred += 1
                else:
                    report.evaluated.append(result)

    def run_pass(self, *, force_timer: bool = False) -> PassReport:
        """Drain the queue, run the timer when due, escalate, dispatch notifications."""
        now = self.clock()
        report = PassReport(now)
        self.drain(now, report)
        if force_timer or self._next_timer is None or now >= self._next_timer:
            report.timer = timer_pass(
                self.conn, now, self.settings, between=lambda: self.drain(self.clock(), report)
            )
            self._next_timer = now + self.settings.timer_interval
        report.escalations = escalate_due(self.conn, now)
        report.sent = dispatch(self.conn, self.notifier, now)
        return report


def run_worker(
    url: str,
    settings: EngineSettings | None = None,
    stop: StopFlag | None = None,
    *,
    clock: Clock = utc_now,
    notifier: Notifier | None = None,
    on_pass: Callable[[PassReport], None] | None = None,
    idle_s: float = _IDLE_S,
) -> None:
    """Run an alert worker until ``stop`` is set (the entry point for every run mode).

    Parameters
    ----------
    url : str
        PostgreSQL URL of the (already migrated) database.
    settings : EngineSettings, optional
        Engine tunables; the defaults follow docs/clinical.md.
    stop : threading.Event or multiprocessing.Event, optional
        Set it to stop; checked at least once a second. None: run until interrupted.
    clock : callable, optional
        Current time (tests inject a simulated clock).
    notifier : Notifier, optional
        Delivery channel; logs by default.
    on_pass : callable, optional
        Called with each :class:`PassReport` (tests and benchmarks observe decisions).
    idle_s : float, optional
        Longest wait for a NOTIFY before looking at the queue anyway (deferred heart
        work, the timer, escalations, the stop flag). 1 s by default.

    Notes
    -----
    Call it in its own thread (``threading.Thread(target=run_worker, args=(url,
    settings, event))``) or process (``multiprocessing`` with the ``spawn`` context and
    a ``multiprocessing.Event``). A database error is logged and the loop reconnects
    after a pause; it never exits on its own.
    """
    flag: StopFlag = stop if stop is not None else threading.Event()
    while not flag.is_set():
        try:
            _loop(url, settings, flag, clock, notifier, on_pass, idle_s)
        except psycopg.OperationalError as exc:
            log.warning("alert worker lost the database (%s); reconnecting in 2 s", exc)
            time.sleep(2.0)


def _loop(
    url: str,
    settings: EngineSettings | None,
    stop: StopFlag,
    clock: Clock,
    notifier: Notifier | None,
    on_pass: Callable[[PassReport], None] | None,
    idle_s: float,
) -> None:
    worker = Worker(url, settings, clock=clock, notifier=notifier)
    listen = psycopg.connect(url, autocommit=True)
    try:
        listen.execute(f"LISTEN {queue.CHANNEL}")
        log.info("alert worker listening on %s", queue.CHANNEL)
        while not stop.is_set():
            report = worker.run_pass()
            if on_pass is not None:
                on_pass(report)
            if report.evaluated or report.deferred:
                continue  # more may have arrived while evaluating
            # Sleep until NOTIFY (a committed batch) or the idle limit; then drain.
            for _ in listen.notifies(timeout=idle_s, stop_after=1):
                pass
            # Swallow the other notifications of the same burst: one drain serves all.
            for _ in listen.notifies(timeout=0.0):
                pass
    finally:
        listen.close()
        worker.close()
