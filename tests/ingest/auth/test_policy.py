"""Session expiry and lockout decisions, as pure functions of the time."""

from __future__ import annotations

import datetime as dt

from ingest.auth.policy import (
    LockoutPolicy,
    SessionPolicy,
    SessionVerdict,
    after_failure,
    is_locked,
    needs_touch,
    session_verdict,
)

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SESSIONS = SessionPolicy(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))
LOCKOUT = LockoutPolicy(failures=5, duration=dt.timedelta(minutes=15))


def _verdict(now: dt.datetime, last_used: dt.datetime, revoked: dt.datetime | None = None):
    return session_verdict(
        now,
        last_used_at=last_used,
        absolute_expires_at=T0 + SESSIONS.absolute,
        revoked_at=revoked,
        policy=SESSIONS,
    )


def test_a_session_used_within_the_idle_limit_stays_valid() -> None:
    assert _verdict(T0 + dt.timedelta(minutes=29, seconds=59), T0) is SessionVerdict.VALID


def test_a_session_unused_for_the_idle_limit_ends() -> None:
    assert _verdict(T0 + dt.timedelta(minutes=30), T0) is SessionVerdict.IDLE


def test_the_absolute_limit_ends_even_a_busy_session() -> None:
    now = T0 + dt.timedelta(hours=12)
    assert _verdict(now, now - dt.timedelta(seconds=1)) is SessionVerdict.EXPIRED


def test_revocation_wins_whenever_it_was_recorded() -> None:
    # Revocations carry the database's clock, which may run ahead of the API's.
    later = T0 + dt.timedelta(hours=1)
    assert _verdict(T0 + dt.timedelta(minutes=1), T0, revoked=later) is SessionVerdict.REVOKED


def test_use_is_recorded_at_most_once_a_minute() -> None:
    assert not needs_touch(T0 + dt.timedelta(seconds=59), T0)
    assert needs_touch(T0 + dt.timedelta(seconds=60), T0)


def test_the_fifth_failure_in_a_row_locks_for_fifteen_minutes() -> None:
    count, locked = 0, None
    for i in range(1, 5):
        out = after_failure(T0, failed_logins=count, locked_until=locked, policy=LOCKOUT)
        count, locked = out.failed_logins, out.locked_until
        assert (count, locked, out.locked_now) == (i, None, False)
    out = after_failure(T0, failed_logins=count, locked_until=locked, policy=LOCKOUT)
    assert out.locked_now
    assert out.locked_until == T0 + dt.timedelta(minutes=15)
    assert is_locked(T0 + dt.timedelta(minutes=14, seconds=59), out.locked_until)
    assert not is_locked(T0 + dt.timedelta(minutes=15), out.locked_until)


def test_failures_while_locked_do_not_extend_the_lock() -> None:
    until = T0 + dt.timedelta(minutes=15)
    out = after_failure(
        T0 + dt.timedelta(minutes=5), failed_logins=5, locked_until=until, policy=LOCKOUT
    )
    assert (out.locked_until, out.locked_now) == (until, False)


def test_after_a_lock_runs_out_the_count_starts_afresh() -> None:
    until = T0 + dt.timedelta(minutes=15)
    out = after_failure(until, failed_logins=5, locked_until=until, policy=LOCKOUT)
    assert (out.failed_logins, out.locked_until, out.locked_now) == (1, None, False)
