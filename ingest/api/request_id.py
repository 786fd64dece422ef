"""Request ids: accept the caller's ``X-Request-ID`` or make one; echo it in the response.

The id goes into every audit row the request writes (docs/privacy.md "Audit"), so that a
row can be matched with the proxy's and the client's logs.
"""

from __future__ import annotations

import re
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
# A caller's id is kept only if it is short and plain, so that nothing odd reaches logs.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_of(request: Request) -> str | None:
    """The id ``RequestId`` assigned to this request (None outside the middleware)."""
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


class RequestId:
    """Pure ASGI middleware: assign, store in ``scope['state']`` and echo the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER.lower().encode(), b"").decode("latin-1")
        request_id = given if _ACCEPTED.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)
