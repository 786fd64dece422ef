"""Password hashing (Argon2id via pwdlib) and the minimum a new password must meet."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from ingest.errors import IngestError

# Argon2id (RFC 9106) at OWASP's Password Storage Cheat Sheet minimum, m=19 MiB, t=2,
# p=1 (docs/privacy.md "Authentication"): about 0.1 s per hash on the 2-core pilot
# server. Raising these later is safe: the parameters are stored in each PHC string and
# `verify_and_update` re-hashes an old hash at the next successful sign-in.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1

# NIST SP 800-63B 3.1.1.2 asks for at least 8 characters; 12 is the floor here because
# these accounts open identifiable health data (OWASP Authentication Cheat Sheet suggests
# longer passphrases for such accounts). 64 is SP 800-63B's minimum allowed maximum.
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256

_HASHER = PasswordHash(
    (
        Argon2Hasher(
            time_cost=ARGON2_TIME_COST,
            memory_cost=ARGON2_MEMORY_KIB,
            parallelism=ARGON2_PARALLELISM,
        ),
    )
)
# Verified against when the username is unknown, so that a wrong username costs as much
# time as a wrong password and the response time does not tell which accounts exist.
_DUMMY_HASH = _HASHER.hash("wearmon-no-such-account")


class WeakPasswordError(IngestError):
    """A new password does not meet the minimum."""


def check_new_password(password: str, *, username: str) -> None:
    """Raise ``WeakPasswordError`` naming the rule a new password breaks."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPasswordError(
            f"the password has {len(password)} characters; use at least "
            f"{MIN_PASSWORD_CHARS} (a passphrase of several words is easiest)"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPasswordError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    if username.lower() in password.lower():
        raise WeakPasswordError("the password must not contain the username")
    if len(set(password)) < 4:
        raise WeakPasswordError("the password repeats too few characters; choose another")


def hash_password(password: str) -> str:
    """The PHC string to store (slow on purpose: call it off the event loop)."""
    return _HASHER.hash(password)


def verify_password(password: str, stored: str | None) -> tuple[bool, str | None]:
    """Check ``password``; return (valid, a new hash to store if the parameters changed).

    With ``stored`` None (unknown user) a dummy hash is checked, so that the time spent
    does not depend on whether the account exists. Slow on purpose: call it off the
    event loop and without holding a database connection.
    """
    if stored is None:
        _HASHER.verify(password, _DUMMY_HASH)
        return False, None
    return _HASHER.verify_and_update(password, stored)
