"""Keyed pseudonyms: HMAC-SHA256 under a per-project key, never a plain hash.

An unkeyed hash (SHA-256, MD5) of an identifier can be recomputed by anyone holding the
identifier, so PIPA's pseudonymisation guideline treats it as still identifying; an HMAC
(RFC 2104, FIPS 198-1) cannot be recomputed without the key, and two projects' keys give
unlinkable pseudonyms for the same person (docs/privacy.md "Research export").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Final

#: 256-bit keys: the HMAC-SHA256 key length recommended by RFC 2104 section 3 (at least
#: the hash output length).
KEY_BYTES: Final = 32
#: Pseudonyms keep 128 of the 256 bits: collisions stay negligible (birthday bound
#: ~2^64 participants) and files stay small; truncation is allowed by RFC 2104 section 5.
_PSEUDONYM_HEX: Final = 32


def new_key() -> bytes:
    """A fresh random project key (kept only in the custodian's store)."""
    return secrets.token_bytes(KEY_BYTES)


def pseudonym(key: bytes, kind: str, internal_id: uuid.UUID | str) -> str:
    """The project-stable pseudonym of an internal id.

    ``kind`` separates domains ("participant", "device", "observation"), so the same
    value never yields the same pseudonym in two roles.
    """
    if len(key) < KEY_BYTES:
        raise ValueError(f"key must be at least {KEY_BYTES} bytes, got {len(key)}")
    message = f"wearmon-export|{kind}|{internal_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:_PSEUDONYM_HEX]
