"""Plain ASGI middleware (cheaper than ``BaseHTTPMiddleware``): body-size limit and the worker header."""

from __future__ import annotations

import json
import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimitMiddleware:
    """413 for request bodies over ``max_bytes`` (by Content-Length, or counted while streaming);
    every answer carries ``X-Baotong-Worker`` (the process id) so multi-worker tests can see who answered."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes
        self.worker = str(os.getpid()).encode()

    async def _reply(self, send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-baotong-worker", self.worker),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                declared = value
                try:
                    length = int(value)
                except ValueError:
                    await self._reply(send, 400, f"invalid Content-Length {value.decode('latin-1')!r}")
                    return
                if length > limit:
                    await self._reply(
                        send, 413, f"request body of {length:,} bytes exceeds the limit of {limit:,} bytes"
                    )
                    return
        app_receive = receive
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            # streamed (chunked) body: read it here, up to the limit, then hand it on whole
            chunks: list[bytes] = []
            size, more = 0, True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > limit:
                    await self._reply(send, 413, f"request body exceeds the limit of {limit:,} bytes")
                    return
                more = message.get("more_body", False)
            replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

            async def replayed_receive() -> Message:
                return replay.pop() if replay else await receive()

            app_receive = replayed_receive

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (b"x-baotong-worker", self.worker)]}
            await send(message)

        await self.app(scope, app_receive, tagged_send)
