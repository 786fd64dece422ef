"""Request body limits as pure ASGI middleware: size (413) and arrival time (408).

Both are enforced on the ASGI ``receive`` channel, so they hold for every route, whether
FastAPI parses the body or the route reads it itself. The refusal is raised as an
``HTTPException`` from ``receive``, inside the route, so FastAPI's exception handling
answers it like any other HTTP error.
"""

from __future__ import annotations

import asyncio
import json

from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """Refuse bodies larger than ``max_bytes`` (413) or slower than ``timeout_s`` (408)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _send_json(send, 413, self._too_large().detail)
            return
        # The clock starts when the headers are in: the whole body must follow within
        # timeout_s, however it is split (a client trickling bytes gains nothing).
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        seen = 0
        complete = False

        async def guarded_receive() -> Message:
            nonlocal seen, complete
            if complete:  # after the body: waiting for a disconnect is not bounded
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(
                    status.HTTP_408_REQUEST_TIMEOUT,
                    f"the request body did not arrive within {self.timeout_s:g} s; "
                    "check the uplink and send the batch again",
                    headers={"Connection": "close"},
                ) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise self._too_large()
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, guarded_receive, send)

    def _too_large(self) -> HTTPException:
        return HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"request body is larger than {self.max_bytes} bytes; send fewer readings per batch",
            headers={"Connection": "close"},
        )


async def _send_json(send: Send, status_code: int, detail: str) -> None:
    payload = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
