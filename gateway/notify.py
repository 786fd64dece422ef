"""Notification queue: the only thing a bleak notify callback is allowed to touch.

A callback must never block or decode inline (docs/ble.md "What real gateways trip
over": hand bytes to a queue and keep their order). Each callback
here appends ``(source, receive time, bytes)`` to one FIFO shared by all the session's
characteristics, so a CGM record and the RACP indication that follows it are consumed in
the order they arrived. A disconnect appends an end marker behind the data already queued.

After the session ends the queue is closed: callbacks that still fire (bleak backends have
delivered duplicate callbacks after a reconnect) are counted and dropped, never decoded
into a second copy of the readings.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class Notification:
    """One value received from a characteristic."""

    source: str
    received_at: dt.datetime
    data: bytes


class NotificationQueue:
    """FIFO of notifications for one BLE session.

    Parameters
    ----------
    clock : callable
        Returns the aware gateway time stamped on each notification.
    on_late : callable, optional
        Called for every callback that fires after :meth:`close` (for exact counts).
    """

    def __init__(self, clock: Clock, on_late: Callable[[], None] | None = None) -> None:
        self._clock = clock
        self._on_late = on_late
        self._items: asyncio.Queue[Notification | None] = asyncio.Queue()
        self._closed = False
        self.received = 0
        self.late = 0

    def handler(self, source: str) -> Callable[[Any, bytearray], None]:
        """A bleak notify callback that tags values with ``source``."""

        def on_value(_sender: Any, data: bytearray) -> None:
            if self._closed:
                self.late += 1
                if self._on_late is not None:
                    self._on_late()
                return
            self.received += 1
            self._items.put_nowait(Notification(source, self._clock(), bytes(data)))

        return on_value

    def end(self, _client: Any = None) -> None:
        """Mark the link as gone (usable as bleak's ``disconnected_callback``)."""
        if not self._closed:
            self._items.put_nowait(None)

    def close(self) -> None:
        """Refuse further callbacks (counted in ``late``)."""
        self._closed = True

    async def next(self, timeout_s: float) -> Notification | None:
        """The next notification; None once the link ended.

        Raises
        ------
        TimeoutError
            When nothing arrived within ``timeout_s``.
        """
        async with asyncio.timeout(timeout_s):
            return await self._items.get()

    def drain(self) -> list[Notification | None]:
        """Everything queued right now, without waiting."""
        out: list[Notification | None] = []
        while not self._items.empty():
            out.append(self._items.get_nowait())
        return out
