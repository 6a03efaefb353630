"""The body limit on every route, counted as the body arrives (chunked bodies included).

A declared ``Content-Length`` over the limit is refused before anything is read; otherwise
the bytes are counted as the ASGI receive stream delivers them and the request fails with
413 as soon as the count passes the limit, so no route buffers more than the limit. An
answer that goes out before the client finished sending (a 413, or a refusal that never
read the body) closes the connection, so the server stops taking the rest of the upload.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = (b"connection", b"close")


class BodyTooLarge(HTTPException):
    """The request body passed the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


def declared_size(scope: Scope) -> int:
    """The request's ``Content-Length`` (0 when absent or not a number)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def has_body(scope: Scope) -> bool:
    """Whether the request says a body follows (a length above 0, or chunked)."""
    return declared_size(scope) > 0 or any(n == b"transfer-encoding" for n, _ in scope["headers"])


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors (404, 405, 413 ...) as the gateway's JSON errors."""
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def within_limit(
    app: ASGIApp, limit: int, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run ``app`` on a request whose body may not pass ``limit`` bytes."""
    if declared_size(scope) > limit:
        await _refuse(send, limit)
        return
    pending = has_body(scope)
    size = 0

    async def counted() -> Message:
        nonlocal pending, size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            pending = bool(message.get("more_body")) and pending
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    async def closing(message: Message) -> None:
        if message["type"] == "http.response.start" and pending:
            message = {**message, "headers": [*message.get("headers", ()), CLOSE]}
        await send(message)

    await app(scope, counted, closing)


async def _refuse(send: Send, limit: int) -> None:
    response = JSONResponse({"error": f"request body over {limit} bytes"}, status_code=413)
    await send(
        {"type": "http.response.start", "status": 413, "headers": [*response.raw_headers, CLOSE]}
    )
    await send({"type": "http.response.body", "body": response.body})
