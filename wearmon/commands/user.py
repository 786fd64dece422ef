"""``wearmon user add|disable|list``: people's accounts, from the command line."""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from typing import Any

from ingest.auth.passwords import check_new_password, hash_password
from ingest.db import migrate, pool
from ingest.storage.accounts import ROLES, create_account, disable_account, list_accounts
from wearmon.commands.common import add_database_flags, cli_actor, emit, parse_uuid
from wearmon.database import database_url
from wearmon.errors import UsageError

# The same rule as the accounts table's CHECK constraint (migration 0006).
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{3,64}$")
_TEAM_MAX = 100


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("user", help="people's accounts: add, disable, list")
    usub = parser.add_subparsers(dest="user_command", required=True, metavar="COMMAND")

    add = usub.add_parser("add", help="create an account (and its care team if new)")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--username", required=True, help="3-64 of A-Z a-z 0-9 . _ @ -")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (else prompt twice)",
    )
    add.add_argument("--team", help="care team to join (created if it does not exist)")
    add.add_argument("--display-name", help="name shown to colleagues, e.g. 'Nurse Park'")
    add.add_argument(
        "--participant",
        type=parse_uuid,
        help="for --role participant: the participant_id the account may read",
    )
    add.set_defaults(run=run_add)

    dis = usub.add_parser("disable", help="disable an account; its sessions stop at once")
    dis.add_argument("--username", required=True)
    dis.set_defaults(run=run_disable)

    lst = usub.add_parser("list", help="list accounts with role, teams and state")
    lst.set_defaults(run=run_list)

    for sp in (add, dis, lst):
        add_database_flags(sp)
        sp.add_argument("--json", action="store_true", help="print JSON")


def run_add(args: argparse.Namespace) -> int:
    _check_arguments(args)
    password = _read_password(args.password_stdin)
    check_new_password(password, username=args.username)
    # Hashed before connecting: no connection waits on the deliberately slow hash.
    password_hash = hash_password(password)
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        conn.autocommit = False
        account_id = create_account(
            conn,
            username=args.username,
            role=args.role,
            password_hash=password_hash,
            team=args.team,
            display_name=args.display_name,
            participant_id=args.participant,
            actor=cli_actor(),
        )
        conn.commit()
    payload = {
        "account_id": str(account_id),
        "username": args.username,
        "role": args.role,
        "team": args.team,
    }
    team = f" in team {args.team}" if args.team else ""
    emit(args, payload, f"account {args.username} ({args.role}){team}: {account_id}")
    return 0


def _check_arguments(args: argparse.Namespace) -> None:
    if not _USERNAME.match(args.username):
        raise UsageError(
            f"--username {args.username!r}: use 3-64 characters of A-Z a-z 0-9 . _ @ -"
        )
    if args.team is not None and not 1 <= len(args.team) <= _TEAM_MAX:
        raise UsageError(f"--team: a team name has 1-{_TEAM_MAX} characters")
    if (args.role == "participant") != (args.participant is not None):
        raise UsageError(
            "--participant is needed with --role participant, and only with it "
            "(it names the one record such an account may read)"
        )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise UsageError("--password-stdin: stdin held no password (one line expected)")
        return password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to prompt for a password: pass it with --password-stdin")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ; nothing was created")
    return first


def run_disable(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        conn.autocommit = False
        account_id = disable_account(conn, username=args.username, actor=cli_actor())
        conn.commit()
    emit(
        args,
        {"account_id": str(account_id), "username": args.username, "disabled": True},
        f"account {args.username} disabled; its sessions no longer work",
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        rows = list_accounts(conn)
    items: list[dict[str, object]] = [
        {
            "account_id": str(r.account_id),
            "username": r.username,
            "role": r.role,
            "display_name": r.display_name,
            "teams": list(r.teams),
            "created_at": r.created_at.isoformat(),
            "disabled": r.disabled_at is not None,
            "locked_until": None if r.locked_until is None else r.locked_until.isoformat(),
        }
        for r in rows
    ]
    lines = [
        f"{r.username:<24} {r.role:<12} {'disabled' if r.disabled_at else 'active':<9}"
        f" {', '.join(r.teams) or '-'}"
        for r in rows
    ]
    emit(args, {"items": items}, "\n".join(lines) if lines else "no accounts yet")
    return 0
