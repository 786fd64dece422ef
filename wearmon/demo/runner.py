"""``wearmon demo``: the whole pilot on one machine.

Embedded PostgreSQL (or ``--database-url``), the API as a child process, a virtual cohort
enrolled as an admin would, and per home a simulated radio with the participant's heart
rate strap and CGM, read by the real gateway code, which uploads over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import shlex
import shutil
import sys
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ingest.db import migrate, pool
from simulators.ble import SimClock
from simulators.physiology import cohort
from simulators.physiology.cohort import ParticipantSpec
from wearmon.api_process import ApiProcess, api_process
from wearmon.demo.backfill import HistoryJob, history_writer
from wearmon.demo.checkins import WEEK, WEEKS, queue_checkins
from wearmon.demo.clinician import TEAM, USERNAME, create_demo_clinician, generated_password
from wearmon.demo.enrol import EnrolledHome, enrol_cohort
from wearmon.demo.faults import history_radio_losses, play_faults, sleep_s
from wearmon.demo.gateways import HomeGateway
from wearmon.demo.homes import VirtualHome, open_home
from wearmon.demo.progress import format_progress, open_alerts, stored_counts
from wearmon.demo.timing import retimed
from wearmon.errors import ChildExitedError

log = logging.getLogger(__name__)

#: How often the demo checks that its API child still runs (its death stops the demo).
SUPERVISE_S = 0.5


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What the demo was asked to do (the command's flags)."""

    participants: int
    history_days: float
    minutes: float | None
    host: str
    port: int
    work_dir: Path
    manifest: Path | None
    seed: int
    progress_s: float
    # The demo clinician's password (``--clinician-password-stdin``); None: generate one.
    clinician_password: str | None = None


async def run_demo(options: DemoOptions, database_url: str) -> None:
    """Run until ``options.minutes`` have passed, or until cancelled (Ctrl-C)."""
    started = time.monotonic()
    asyncio.get_running_loop().set_exception_handler(quiet_late_gatt_responses)
    await asyncio.to_thread(_migrate, database_url)
    env = {
        # History older than the default 7-day buffer window must still be accepted, and
        # so must the weekly check-ins of the last WEEKS weeks.
        "WEARMON_BUFFER_WINDOW_DAYS": str(
            max(7.0, options.history_days + 1.0, WEEKS * WEEK.days + 1.0)
        ),
        # Back-fill bursts from every home at once; the demo is one trusted machine.
        "WEARMON_GATEWAY_RATE_PER_S": "1000",
        "WEARMON_GATEWAY_BURST": "1000",
    }
    api_log = options.work_dir / "demo-api.log"
    _say(f"API log:   {api_log}")
    async with contextlib.AsyncExitStack() as stack:
        launcher = api_process(
            database_url, host=options.host, port=options.port, env=env, log_path=api_log
        )
        api = await asyncio.to_thread(launcher.__enter__)
        stack.push_async_callback(asyncio.to_thread, launcher.__exit__, None, None, None)
        api_url = api.url
        # Risk events placed just before the run, so that a short run shows them.
        run_start_s = dt.datetime.now(dt.UTC).timestamp()
        specs = [retimed(s, run_start_s) for s in cohort(options.participants, options.seed)]
        enrolled = await asyncio.to_thread(_enrol, database_url, specs)
        password = options.clinician_password or generated_password()
        await asyncio.to_thread(_add_clinician, database_url, enrolled, password)
        if options.manifest is not None:
            _write_manifest(options.manifest, enrolled, api_url, options)
        _say(f"dashboard: {api_url}/dashboard/")
        _say(f"API:       {api_url}/api/v1/docs  (OpenAPI {api_url}/api/v1/openapi.json)")
        _say(f"database:  {_redacted(database_url)}")
        # The CLI's own default is the embedded server's `postgres` database, not this one.
        _say(f"commands:  export DATABASE_URL={shlex.quote(_redacted(database_url))}")
        _say("           in another terminal, then wearmon user|team|audit|export|rules act on it")
        if options.manifest is not None:
            _say(f"manifest:  {options.manifest}")
        shown = "(the password given on stdin)" if options.clinician_password else password
        _say(f"clinician: {USERNAME}  password: {shown}")
        _say(
            f"           team {TEAM} holds all {len(enrolled)} participants; sign in on the "
            f"dashboard or with POST {api_url}/api/v1/auth/token"
        )
        await supervised(_run_homes(options, enrolled, api_url, database_url, started), api)


async def supervised(work: Coroutine[object, object, None], api: ApiProcess) -> None:
    """Run ``work`` while the API child runs; if the child stops first, stop ``work`` (its
    cleanup runs) and raise :class:`ChildExitedError` with the child's exit code and log."""
    work_task = asyncio.ensure_future(work)
    watch_task = asyncio.ensure_future(_until_exited(api))
    try:
        done, _ = await asyncio.wait({work_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (work_task, watch_task):
            task.cancel()
        await asyncio.gather(work_task, watch_task, return_exceptions=True)
    if watch_task in done and work_task not in done:
        code = watch_task.result()
        where = f"; its log: {api.log_path}" if api.log_path else ""
        tail = _log_tail(api.log_path)
        raise ChildExitedError(
            f"the API server stopped unexpectedly (exit code {code}){where}{tail}",
            _exit_status(code),
        )
    work_task.result()


def _exit_status(code: int) -> int:
    """The demo's own exit status for a child's: 128 + N for a child killed by signal N
    (as a shell reports it), 1 for a child that exited 0 (it was not asked to)."""
    if code < 0:
        return 128 - code
    return code or 1


def quiet_late_gatt_responses(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's exception handler: a GATT response arriving after the gateway cancelled
    its request (a link torn down mid-request as the demo stops, or a timed-out read) makes
    bumble's client set a result on a cancelled future. Nothing is lost; say it at debug
    level instead of printing a traceback. Everything else goes to the default handler."""
    if isinstance(context.get("exception"), asyncio.InvalidStateError):
        log.debug("late GATT response ignored: %s", context.get("message"))
        return
    loop.default_exception_handler(context)


async def _until_exited(api: ApiProcess) -> int:
    # Polling, not an event: the child is a plain subprocess.Popen owned by another thread.
    while (code := api.exit_code()) is None:  # noqa: ASYNC110
        await asyncio.sleep(SUPERVISE_S)
    return code


def _log_tail(path: Path | None, lines: int = 5) -> str:
    if path is None:
        return ""
    try:
        last = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n  last lines:\n" + "\n".join(f"    {x}" for x in last) if last else ""


async def _run_homes(
    options: DemoOptions,
    enrolled: list[EnrolledHome],
    api_url: str,
    database_url: str,
    started: float,
) -> None:
    outbox_dir = options.work_dir / "gateways"
    shutil.rmtree(outbox_dir, ignore_errors=True)
    outbox_dir.mkdir(parents=True)
    clock = SimClock()
    homes: list[VirtualHome] = []
    gateways: list[HomeGateway] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        for e in enrolled:
            homes.append(
                await open_home(
                    e,
                    clock=clock,
                    history_days=options.history_days,
                    api_url=api_url,
                    outbox_dir=outbox_dir,
                )
            )
        # Before the gateways start: each outbox file is created by one writer at a time.
        queued = await asyncio.to_thread(queue_checkins, homes, clock.now())
        _say(
            f"{queued} weekly check-ins ({WEEKS} per participant, answered through the "
            "dialogue as each scenario's mood says) queued in the gateways' outboxes"
        )
        for home in homes:
            gw = HomeGateway(home)
            gw.start()
            gateways.append(gw)
            if home.enrolled.spec.faults:
                tasks.append(
                    asyncio.create_task(play_faults(home.enrolled.spec.faults, gw.apply, sleep_s))
                )
        _say(f"{len(homes)} homes running; Ctrl-C stops the demo")
        jobs = _history_jobs(homes, clock.now().timestamp(), options.history_days)
        if jobs:
            _say(
                f"writing {options.history_days:g} day(s) of heart-rate history into the "
                "gateways' outboxes, newest hour first (sent behind live data) ..."
            )
        with history_writer(jobs) if jobs else contextlib.nullcontext():
            await _report_until_done(options, enrolled, database_url, started)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*(gw.stop() for gw in gateways), return_exceptions=True)
        for home in homes:
            with contextlib.suppress(Exception):
                await home.radio.close()


def _history_jobs(homes: list[VirtualHome], end_s: float, days: float) -> list[HistoryJob]:
    if days <= 0:
        return []
    return [
        HistoryJob(
            label=home.enrolled.spec.participant_id,
            outbox_path=home.config.outbox_path,
            gateway_id=home.config.gateway_id,
            outbox_max_rows=home.config.outbox_max_rows,
            device_id=str(home.enrolled.hr_device_id),
            heart=home.heart_model.params,
            seed=home.heart_model.seed,
            start_s=end_s - days * 86_400.0,
            end_s=end_s,
            radio_losses=tuple(history_radio_losses(home.enrolled.spec.faults, end_s)),
        )
        for home in homes
    ]


async def _report_until_done(
    options: DemoOptions, enrolled: list[EnrolledHome], database_url: str, started: float
) -> None:
    deadline = None if options.minutes is None else time.monotonic() + options.minutes * 60.0
    with psycopg.connect(database_url, autocommit=True) as conn:
        while deadline is None or time.monotonic() < deadline:
            wait = options.progress_s
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - time.monotonic()))
            await asyncio.sleep(wait)
            counts = await asyncio.to_thread(stored_counts, conn)
            alerts = await asyncio.to_thread(open_alerts, conn)
            _say(format_progress(enrolled, counts, alerts, time.monotonic() - started))


def _migrate(url: str) -> None:
    with pool.connect(url) as conn:
        migrate.upgrade(conn)


def _enrol(url: str, specs: Sequence[ParticipantSpec]) -> list[EnrolledHome]:
    with pool.connect(url) as conn:
        return enrol_cohort(conn, specs)


def _add_clinician(url: str, enrolled: Sequence[EnrolledHome], password: str) -> None:
    with pool.connect(url) as conn:
        create_demo_clinician(conn, [e.participant_id for e in enrolled], password)


def _write_manifest(
    path: Path, enrolled: list[EnrolledHome], api_url: str, options: DemoOptions
) -> None:
    manifest = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "api_url": api_url,
        "seed": options.seed,
        "history_days": options.history_days,
        "clinician": {"username": USERNAME, "team": TEAM},
        "participants": [e.manifest_entry() for e in enrolled],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _redacted(url: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return psycopg.conninfo.make_conninfo("", **info)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
