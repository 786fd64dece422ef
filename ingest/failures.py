"""Failed gateway authentications, counted per source address and logged as a summary.

A token guesser or a gateway with a stale token fails many times a minute; one log line
per failure would flood the log (and a line per token would leak what was tried). The
first failure after a quiet interval is logged at once; later ones are counted and
logged as one summary with the next failure after the interval.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class FailureTally:
    """Failures per address since the last summary."""

    interval_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _counts: Counter[str] = field(default_factory=Counter)
    _last: float | None = None

    def record(self, address: str) -> str | None:
        """Count one failure; return a summary line when one is due, else None."""
        self._counts[address] += 1
        now = self.clock()
        if self._last is not None and now - self._last < self.interval_s:
            return None
        total, addresses = sum(self._counts.values()), len(self._counts)
        top = ", ".join(f"{a} x{n}" for a, n in self._counts.most_common(3))
        span = "" if self._last is None else f" in the last {now - self._last:.0f} s"
        self._counts.clear()
        self._last = now
        return (
            f"{total} failed gateway authentication(s) from {addresses} "
            f"address(es){span} (most: {top})"
        )
