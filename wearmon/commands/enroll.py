"""``wearmon enroll participant|device|gateway``: enrolment from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import re
import uuid
import zoneinfo
from pathlib import Path
from typing import Any

import psycopg

from ingest.db import migrate, pool
from ingest.districts import SEOUL_GU, canonical_district
from ingest.storage.enrolment import (
    BoundDevice,
    ParticipantIdentity,
    devices_of,
    enrol_device,
    enrol_gateway,
    enrol_participant,
    preferred_names,
    withdraw_participant,
)
from wearmon.commands.common import add_database_flags, emit
from wearmon.database import database_url
from wearmon.errors import UsageError


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("enroll", help="enrol participants, devices and gateways")
    esub = parser.add_subparsers(dest="enroll_command", required=True, metavar="WHAT")

    p = esub.add_parser("participant", help="enrol a participant (prints participant_id)")
    p.add_argument("--study", required=True, help="study id, e.g. seoul-pilot")
    p.add_argument("--name", required=True, help="full name (kept apart from the pseudonym)")
    p.add_argument("--birth-year", required=True, type=int, help="e.g. 1948")
    p.add_argument("--sex", required=True, choices=["F", "M"])
    p.add_argument("--district", required=True, help="Seoul gu, e.g. Mapo-gu")
    p.add_argument("--phone", help="contact phone number")
    p.add_argument(
        "--preferred-name",
        help="the name they chose to be greeted by at their check-ins (1-50 characters)",
    )
    p.add_argument("--time-zone", default="Asia/Seoul", help="IANA zone (default Asia/Seoul)")
    p.set_defaults(run=run_participant)

    d = esub.add_parser("device", help="bind a wearable to a participant (prints device_id)")
    d.add_argument("--participant", required=True, type=_uuid, help="participant_id")
    d.add_argument("--kind", required=True, choices=["hr", "cgm"])
    d.add_argument("--address", type=_ble_address, help="BLE address, e.g. F0:12:34:56:78:9A")
    d.add_argument("--model", help="device model")
    d.add_argument("--serial", help="device serial number")
    d.set_defaults(run=run_device)

    g = esub.add_parser("gateway", help="create a home gateway credential (prints the token once)")
    g.add_argument(
        "--participant",
        required=True,
        type=_uuid,
        action="append",
        help="participant_id served by this gateway (repeat for several)",
    )
    g.add_argument(
        "--write-config",
        type=Path,
        metavar="FILE",
        help="also write a ready-to-use gateway config (JSON, holds the token: "
        "keep it private) listing the participants' devices",
    )
    g.add_argument(
        "--api-url",
        default="http://127.0.0.1:8000",
        help="API base URL for --write-config (default http://127.0.0.1:8000)",
    )
    g.add_argument(
        "--outbox-path",
        default="/var/lib/wearmon/outbox.sqlite3",
        help="outbox file on the gateway, for --write-config",
    )
    g.add_argument(
        "--home-page",
        action="store_true",
        help="with --write-config: the gateway also serves the check-in page on the home "
        "network (port 8088), greeting each participant by their --preferred-name",
    )
    g.set_defaults(run=run_gateway)

    w = esub.add_parser(
        "withdraw", help="record a consent withdrawal (readings refused, left out of exports)"
    )
    w.add_argument("--participant", required=True, type=_uuid, help="participant_id")
    w.set_defaults(run=run_withdraw)

    for sp in (p, d, g, w):
        add_database_flags(sp)
        sp.add_argument("--json", action="store_true", help="print JSON")


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an id (a UUID as printed at enrolment)"
        ) from None


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def run_participant(args: argparse.Namespace) -> int:
    district = canonical_district(args.district)
    if district is None:
        raise UsageError(
            f"--district {args.district!r} is not one of Seoul's 25 gu: {', '.join(SEOUL_GU)}"
        )
    this_year = dt.datetime.now(dt.UTC).year
    if not 1900 <= args.birth_year <= this_year:
        raise UsageError(
            f"--birth-year {args.birth_year} is not a plausible year of birth (1900-{this_year})"
        )
    _require_time_zone(args.time_zone)
    preferred = args.preferred_name
    if preferred is not None and not 1 <= len(preferred.strip()) <= 50:
        raise UsageError(f"--preferred-name {preferred!r}: expected 1-50 characters")
    identity = ParticipantIdentity(
        args.name,
        args.birth_year,
        args.sex,
        district,
        args.phone,
        None if preferred is None else preferred.strip(),
    )
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        pid = enrol_participant(
            conn, study_id=args.study, identity=identity, time_zone=args.time_zone, actor=_actor()
        )
    emit(args, {"participant_id": str(pid)}, f"participant_id {pid}")
    return 0


def _require_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--time-zone {name!r} is not an IANA time zone name; e.g. Asia/Seoul"
        ) from None


# A Bluetooth device address as printed by BlueZ and most tools: six hex octets
# (Bluetooth Core Specification Vol 6 Part B 1.3), or a CoreBluetooth identifier (a UUID),
# which is all macOS exposes of a peripheral.
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def _ble_address(text: str) -> str:
    if _MAC.match(text):
        return text.upper()
    try:
        return str(uuid.UUID(text)).upper()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a BLE address; expected six hex octets like "
            "F0:12:34:56:78:9A (or a CoreBluetooth UUID on macOS)"
        ) from None


def run_device(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        did = enrol_device(
            conn,
            participant_id=args.participant,
            kind=args.kind,
            address=args.address,
            model=args.model,
            serial=args.serial,
            actor=_actor(),
        )
    emit(args, {"device_id": str(did)}, f"device_id {did}")
    return 0


def run_gateway(args: argparse.Namespace) -> int:
    if args.home_page and args.write_config is None:
        raise UsageError("--home-page goes with --write-config (it adds to that file)")
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        devices = devices_of(conn, args.participant)
        if args.write_config is not None:
            _require_addresses(devices)
        home = _home_section(conn, args.participant) if args.home_page else None
        # The config file is written before the credential is committed: if the file
        # cannot be written, no gateway exists whose token nobody ever saw.
        with conn.transaction():
            gid, token = enrol_gateway(conn, participant_ids=args.participant, actor=_actor())
            if args.write_config is not None:
                _write_gateway_config(args, str(gid), token, devices, home)
    emit(
        args,
        {"gateway_id": str(gid), "token": token},
        f"gateway_id {gid}\ntoken {token}\n(the token is shown only now; store it on the gateway)",
    )
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        at, new = withdraw_participant(conn, participant_id=args.participant, actor=_actor())
    emit(
        args,
        {"participant_id": str(args.participant), "withdrawn_at": at.isoformat(), "new": new},
        f"participant {args.participant} withdrawn at {at.isoformat()}"
        + ("" if new else " (already withdrawn)"),
    )
    return 0


def _require_addresses(devices: list[BoundDevice]) -> None:
    missing = [str(d.device_id) for d in devices if not d.ble_address]
    if missing:
        raise UsageError(
            f"devices {missing} have no BLE address; enrol them with --address "
            "so that the gateway can find them"
        )


def _home_section(
    conn: psycopg.Connection[tuple[object, ...]], participant_ids: list[uuid.UUID]
) -> dict[str, object]:
    """The gateway config's ``home`` object (docs/home-checkin.md), with defaults."""
    names = preferred_names(conn, participant_ids)
    unnamed = [str(p) for p, n in names.items() if not n]
    if unnamed:
        raise UsageError(
            f"participants {unnamed} have no preferred name to be greeted by; enrol them "
            "with --preferred-name, or write the config without --home-page and add its "
            "'home' section by hand (docs/home-checkin.md)"
        )
    return {
        "participants": [{"participant_id": str(p), "name": n} for p, n in names.items()],
    }


def _write_gateway_config(
    args: argparse.Namespace,
    gateway_id: str,
    token: str,
    devices: list[BoundDevice],
    home: dict[str, object] | None = None,
) -> None:
    config: dict[str, object] = {
        "gateway_id": gateway_id,
        "token": token,
        "api_url": args.api_url,
        "outbox_path": args.outbox_path,
        "devices": [
            {"device_id": str(d.device_id), "kind": d.kind, "address": d.ble_address}
            for d in devices
        ],
    }
    if home is not None:
        config["home"] = home
    path: Path = args.write_config
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The file holds a credential: readable by its owner only, also when it existed
        # before with wider permissions (open's mode applies to new files only).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise UsageError(
            f"cannot write --write-config {path}: {exc.strerror or exc}; choose a writable "
            "path (no gateway was created)"
        ) from None
