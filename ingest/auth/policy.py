"""Session expiry and account lockout decisions: pure functions of the time and the row.

The API asks these with its own clock (injected in tests), never the database's
``now()``, so that expiry can be tested without waiting.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

# A session's last_used_at is written at most this often: one write per request would
# make every read a write, and idle expiry a minute late is immaterial next to 30 minutes.
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives without use, and at most."""

    idle: dt.timedelta
    absolute: dt.timedelta


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many failures in a row lock an account, and for how long."""

    failures: int
    duration: dt.timedelta


class SessionVerdict(enum.Enum):
    """Whether a presented session may be used now (and, if not, why)."""

    VALID = "valid"
    REVOKED = "revoked"  # signed out, or the account was disabled
    IDLE = "idle"  # unused for longer than the idle limit
    EXPIRED = "expired"  # past its absolute expiry


def session_verdict(
    now: dt.datetime,
    *,
    last_used_at: dt.datetime,
    absolute_expires_at: dt.datetime,
    revoked_at: dt.datetime | None,
    policy: SessionPolicy,
) -> SessionVerdict:
    """Decide whether a session is usable at ``now``; revocation wins over expiry.

    A revocation counts whenever it was recorded: it is written with the database's
    clock (by ``wearmon user disable``), which need not agree with ``now``.
    """
    if revoked_at is not None:
        return SessionVerdict.REVOKED
    if now >= absolute_expires_at:
        return SessionVerdict.EXPIRED
    if now - last_used_at >= policy.idle:
        return SessionVerdict.IDLE
    return SessionVerdict.VALID


def needs_touch(now: dt.datetime, last_used_at: dt.datetime) -> bool:
    """Whether to record this use of a session (see ``TOUCH_EVERY``)."""
    return now - last_used_at >= TOUCH_EVERY


def absolute_expiry(signed_in_at: dt.datetime, policy: SessionPolicy) -> dt.datetime:
    """When a session opened at ``signed_in_at`` stops working whatever its use."""
    return signed_in_at + policy.absolute


def is_locked(now: dt.datetime, locked_until: dt.datetime | None) -> bool:
    """Whether an account refuses sign-in at ``now`` because of earlier failures."""
    return locked_until is not None and now < locked_until


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    """The account's counters after one more failed sign-in."""

    failed_logins: int
    locked_until: dt.datetime | None
    locked_now: bool  # this failure is the one that locked the account


def after_failure(
    now: dt.datetime,
    *,
    failed_logins: int,
    locked_until: dt.datetime | None,
    policy: LockoutPolicy,
) -> FailureOutcome:
    """Count a failed sign-in; the ``policy.failures``-th in a row locks the account.

    A lock that has run out starts a fresh count, so one more mistake after the lock
    ends does not lock again at once.
    """
    if locked_until is not None and now >= locked_until:
        failed_logins = 0
        locked_until = None
    count = failed_logins + 1
    if count >= policy.failures and not is_locked(now, locked_until):
        return FailureOutcome(count, now + policy.duration, locked_now=True)
    return FailureOutcome(count, locked_until, locked_now=False)
