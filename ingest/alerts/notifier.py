"""Notifications: a pluggable notifier over the ``notifications`` outbox table.

The engine only inserts rows (:func:`ingest.alerts.store.queue_notification`); a
dispatcher hands unsent rows to a :class:`Notifier` and marks them sent, or records the
error and retries at the next pass. SMS or a messenger is another Notifier; the engine
does not change. The default :class:`LogNotifier` writes one log line per notification,
which is what the pilot's nurses' station polls today through the alert API.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from ingest.alerts.loader import Conn

log = logging.getLogger(__name__)

#: A notification that failed this many times stays in the table, unsent, for an operator.
MAX_ATTEMPTS: Final = 10


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to deliver."""

    notification_id: int
    alert_id: uuid.UUID
    step: str
    recipient: str
    payload: Mapping[str, Any]


class Notifier(Protocol):
    """Delivers a notification or raises (the dispatcher retries it later)."""

    def send(self, notification: Notification) -> None: ...


class LogNotifier:
    """The default notifier: one log line per notification (an outbox for operators)."""

    def send(self, notification: Notification) -> None:
        p = notification.payload
        log.warning(
            "ALERT %s to %s: %s %s (%s) participant %s alert %s",
            notification.step,
            notification.recipient,
            p.get("priority", ""),
            p.get("rule_id", ""),
            p.get("summary", ""),
            p.get("participant_id", ""),
            notification.alert_id,
        )


_UNSENT: Final = """
    SELECT notification_id, alert_id, step, recipient, payload FROM notifications
    WHERE sent_at IS NULL AND attempts < %s
    ORDER BY notification_id LIMIT %s
    FOR UPDATE SKIP LOCKED
"""


def dispatch(conn: Conn, notifier: Notifier, now: dt.datetime, limit: int = 100) -> int:
    """Hand unsent notifications to ``notifier``; returns how many were sent.

    ``conn`` in autocommit mode; one transaction for the pass, rows locked with SKIP
    LOCKED so that two workers never send the same notification.
    """
    sent = 0
    with conn.transaction():
        for nid, aid, step, recipient, payload in conn.execute(
            _UNSENT, (MAX_ATTEMPTS, limit)
        ).fetchall():
            n = Notification(
                int(str(nid)),
                uuid.UUID(str(aid)),
                str(step),
                str(recipient),
                payload if isinstance(payload, dict) else {},
            )
            try:
                notifier.send(n)
            except Exception as exc:  # any channel failure: keep the row, retry later
                log.warning("notification %d not sent: %s", n.notification_id, exc)
                conn.execute(
                    "UPDATE notifications SET attempts = attempts + 1, last_error = %s"
                    " WHERE notification_id = %s",
                    (str(exc)[:500], n.notification_id),
                )
                continue
            conn.execute(
                "UPDATE notifications SET sent_at = %s, attempts = attempts + 1"
                " WHERE notification_id = %s",
                (now, n.notification_id),
            )
            sent += 1
    return sent
