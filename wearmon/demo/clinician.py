"""The demo's clinician: an account on a care team that holds the whole virtual cohort.

Created as an administrator would (``wearmon user add --role clinician --team ...`` and
``wearmon team assign ...``), through the same storage functions, so every step is in
the audit log.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import psycopg

from ingest.auth.passwords import check_new_password, hash_password
from ingest.storage.accounts import assign_participant, create_account
from wearmon.demo.enrol import ACTOR

USERNAME: Final = "demo.nurse"
TEAM: Final = "demo-care-team"
DISPLAY_NAME: Final = "Demo nurse (virtual cohort)"
# 16 bytes from the OS's CSPRNG, URL-safe base64 (22 characters, ~128 bits): far above
# the account rules' minimum and easy to paste.
_PASSWORD_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class DemoClinician:
    """What the demo prints so that a person can sign in."""

    username: str
    password: str = ""  # empty when the operator supplied it (never printed back)
    team: str = TEAM


def generated_password() -> str:
    """A random password for the demo clinician."""
    return secrets.token_urlsafe(_PASSWORD_BYTES)


def checked_password(password: str) -> str:
    """Return ``password`` if the account rules accept it (else ``WeakPasswordError``)."""
    check_new_password(password, username=USERNAME)
    return password


def create_demo_clinician(
    conn: psycopg.Connection[tuple[object, ...]],
    participant_ids: Sequence[uuid.UUID],
    password: str,
) -> None:
    """Create the clinician on ``TEAM`` and assign every participant to that team."""
    # Hashed before the writes: no transaction waits on the deliberately slow hash.
    password_hash = hash_password(password)
    create_account(
        conn,
        username=USERNAME,
        role="clinician",
        password_hash=password_hash,
        team=TEAM,
        display_name=DISPLAY_NAME,
        participant_id=None,
        actor=ACTOR,
    )
    for pid in participant_ids:
        assign_participant(conn, team=TEAM, participant_id=pid, actor=ACTOR)
