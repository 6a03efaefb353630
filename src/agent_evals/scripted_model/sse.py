"""Server-sent event framing, the event stream response and the error types the wires share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def sse_data(value: Any) -> bytes:
    """One ``data:`` event (the OpenAI stream framing)."""
    return b"data: " + dumps(value) + b"\n\n"


def sse_event(name: str, value: Any) -> bytes:
    """One named event (the Anthropic and Responses stream framing)."""
    return b"event: " + name.encode() + b"\ndata: " + dumps(value) + b"\n\n"


def error_type(status: int) -> str:
    """The error ``type`` a provider reports for an HTTP status."""
    if status in _ERROR_TYPES:
        return _ERROR_TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"


class EventStream(Response):
    """A server-sent event stream; with ``cut_after`` it stops after that many events,
    leaving the response unfinished so the server drops the connection mid-stream."""

    media_type = "text/event-stream"

    def __init__(self, events: Sequence[bytes], cut_after: int | None = None) -> None:
        self.status_code = 200
        self.background = None
        self.events = events
        self.cut_after = cut_after
        self.init_headers({"cache-control": "no-cache"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the events one body chunk each."""
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        events = self.events if self.cut_after is None else self.events[: self.cut_after]
        for event in events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        if self.cut_after is None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
