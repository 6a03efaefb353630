"""Server-sent event framing and the error types both wire formats share."""

from __future__ import annotations

import json
from typing import Any

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
    """One named event (the Anthropic stream framing)."""
    return b"event: " + name.encode() + b"\ndata: " + dumps(value) + b"\n\n"


def error_type(status: int) -> str:
    """The error ``type`` a provider reports for an HTTP status."""
    if status in _ERROR_TYPES:
        return _ERROR_TYPES[status]
    return "api_error" if status >= 500 else "invalid_request_error"
