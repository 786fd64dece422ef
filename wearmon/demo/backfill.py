"""Filling the gateways' outboxes with heart-rate history while the homes already run.

Turning a participant-day of beats into readings and storing them durably costs tens of
seconds of CPU (JSON and SQLite, ~180k readings); done first for a whole cohort it kept
every gateway waiting for minutes. The history is therefore written by a child process
(a core of its own, not the demo's event loop) into each gateway's outbox while the
gateway runs, newest hour first and one hour per home in turn: the recent past, where
the demo places its risk events, is queued everywhere within the first minute, and the
gateways send it (live data first) while older hours are still being written.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from gateway.outbox import Outbox
from simulators.physiology import HeartModel, HeartParams
from wearmon.demo.history import RadioLoss, heart_history

log = logging.getLogger(__name__)

# An hour per piece: small enough that every home has its newest hour within a minute.
CHUNK_S: Final = 3600.0
# A child asked to stop gets this long before it is terminated (each outbox write is
# one transaction, so a terminated child leaves every outbox consistent).
_STOP_TIMEOUT_S: Final = 5.0


@dataclass(frozen=True, slots=True)
class HistoryJob:
    """One home's heart-rate history: where it goes and how to make it (picklable)."""

    label: str
    outbox_path: Path
    gateway_id: str
    outbox_max_rows: int
    device_id: str
    heart: HeartParams
    seed: int
    start_s: float
    end_s: float
    radio_losses: tuple[RadioLoss, ...] = ()


def pieces(start_s: float, end_s: float, chunk_s: float = CHUNK_S) -> Iterator[tuple[float, float]]:
    """``[start_s, end_s)`` cut into ``chunk_s`` pieces, newest first (pure).

    Boundaries fall on whole seconds counted back from ``end_s`` so that no heart-rate
    second is split between two pieces.
    """
    if end_s <= start_s:
        return
    edge = math.floor(end_s)
    yield (max(start_s, edge - chunk_s), end_s)
    b = edge - chunk_s
    while b > start_s:
        yield (max(start_s, b - chunk_s), b)
        b -= chunk_s


def write_histories(jobs: Sequence[HistoryJob], chunk_s: float = CHUNK_S) -> int:
    """Write every job's history into its outbox, newest piece first, homes in turn.

    Returns
    -------
    int
        Readings written.
    """
    models = [HeartModel(j.heart, j.seed) for j in jobs]
    plans = [list(pieces(j.start_s, j.end_s, chunk_s)) for j in jobs]
    total, rounds = 0, max((len(p) for p in plans), default=0)
    with contextlib.ExitStack() as stack:
        boxes = [
            stack.enter_context(
                contextlib.closing(
                    Outbox(j.outbox_path, gateway_id=j.gateway_id, max_rows=j.outbox_max_rows)
                )
            )
            for j in jobs
        ]
        for r in range(rounds):
            for job, model, plan, box in zip(jobs, models, plans, boxes, strict=True):
                if r < len(plan):
                    a, b = plan[r]
                    for chunk in heart_history(job.device_id, model, a, b, job.radio_losses):
                        box.put(chunk)
                        total += len(chunk)
            _say(f"history: newest {r + 1} of {rounds} hour(s) queued in every home ({total:,})")
    return total


def _child(jobs: Sequence[HistoryJob]) -> None:
    try:
        write_histories(jobs)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the demo stops us
        return


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def history_writer(jobs: Sequence[HistoryJob]) -> Iterator[multiprocessing.process.BaseProcess]:
    """Run :func:`write_histories` in a child process for the duration of the block."""
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_child, args=(list(jobs),), name="wearmon-demo-history")
    child.start()
    try:
        yield child
    finally:
        if child.is_alive():
            child.terminate()
        child.join(_STOP_TIMEOUT_S)
        if child.is_alive():
            log.warning("history writer %s did not stop; killing it", child.pid)
            child.kill()
            child.join()
