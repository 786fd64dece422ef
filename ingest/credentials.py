"""A short-lived in-process cache of gateway credentials.

Every batch would otherwise cost a database round trip just to map its token to a
gateway. Entries live ``ttl_s`` seconds, so a revoked token stops working within that
time on every API instance (the default, 30 s, is far below the time it takes anyone to
notice and revoke a lost gateway). Unknown tokens are not cached, so a newly enrolled
gateway works at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.storage.gateways import GatewayIdentity, token_digest


@dataclass(slots=True)
class CredentialCache:
    """Token digest -> (gateway, expiry)."""

    ttl_s: float = 30.0
    max_entries: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _entries: dict[bytes, tuple[GatewayIdentity, float]] = field(default_factory=dict)

    def get(self, token: str) -> GatewayIdentity | None:
        hit = self._entries.get(token_digest(token))
        if hit is None or hit[1] < self.clock():
            return None
        return hit[0]

    def put(self, token: str, gateway: GatewayIdentity) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[token_digest(token)] = (gateway, self.clock() + self.ttl_s)
