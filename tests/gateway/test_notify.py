"""Notification queue: order across characteristics, end marker, late callbacks."""

from __future__ import annotations

import pytest

from gateway.notify import NotificationQueue
from tests.gateway.conftest import FixedClock

pytestmark = pytest.mark.timeout(5)


async def test_order_is_kept_across_characteristics_and_end_comes_last() -> None:
    queue = NotificationQueue(FixedClock())
    cgm, racp = queue.handler("cgm"), queue.handler("racp")
    cgm(None, bytearray(b"\x01"))
    racp(None, bytearray(b"\x02"))
    cgm(None, bytearray(b"\x03"))
    queue.end()
    items = [await queue.next(1.0) for _ in range(4)]
    assert [(n.source, n.data) if n else None for n in items] == [
        ("cgm", b"\x01"),
        ("racp", b"\x02"),
        ("cgm", b"\x03"),
        None,
    ]


async def test_handler_copies_the_buffer() -> None:
    queue = NotificationQueue(FixedClock())
    buffer = bytearray(b"\x01")
    queue.handler("hrm")(None, buffer)
    buffer[0] = 0xFF
    note = await queue.next(1.0)
    assert note is not None
    assert note.data == b"\x01"


async def test_callbacks_after_close_are_counted_not_queued() -> None:
    late: list[int] = []
    queue = NotificationQueue(FixedClock(), on_late=lambda: late.append(1))
    handler = queue.handler("hrm")
    queue.close()
    handler(None, bytearray(b"\x01"))
    handler(None, bytearray(b"\x01"))
    assert (queue.late, len(late), queue.drain()) == (2, 2, [])


async def test_silence_raises_timeout() -> None:
    with pytest.raises(TimeoutError):
        await NotificationQueue(FixedClock()).next(0.01)
