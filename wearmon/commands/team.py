"""``wearmon team assign``: put a participant on a care team."""

from __future__ import annotations

import argparse
from typing import Any

from ingest.db import migrate, pool
from ingest.storage.accounts import assign_participant
from wearmon.commands.common import add_database_flags, cli_actor, emit, parse_uuid
from wearmon.database import database_url


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("team", help="care teams: which participants a team sees")
    tsub = parser.add_subparsers(dest="team_command", required=True, metavar="COMMAND")
    assign = tsub.add_parser(
        "assign", help="assign a participant to a team (created if new; several teams allowed)"
    )
    assign.add_argument("--team", required=True, help="care team name")
    assign.add_argument("--participant", required=True, type=parse_uuid, help="participant_id")
    add_database_flags(assign)
    assign.add_argument("--json", action="store_true", help="print JSON")
    assign.set_defaults(run=run_assign)


def run_assign(args: argparse.Namespace) -> int:
    with database_url(args.database_url, args.data_dir) as url, pool.connect(url) as conn:
        migrate.upgrade(conn)
        conn.autocommit = False
        team_id, added = assign_participant(
            conn, team=args.team, participant_id=args.participant, actor=cli_actor()
        )
        conn.commit()
    emit(
        args,
        {
            "team": args.team,
            "team_id": str(team_id),
            "participant_id": str(args.participant),
            "assigned": added,
        },
        f"participant {args.participant} {'assigned to' if added else 'already in'} {args.team}",
    )
    return 0
