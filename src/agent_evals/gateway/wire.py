"""The wire formats the gateway speaks: usage in answers and streams, errors, auth.

Usage maps onto ``TokenUsage`` the way the harness does: ``input`` excludes cached reads,
so OpenAI's ``prompt_tokens`` (which include ``cached_tokens``) are split. A format that has
no count for a kind (OpenAI has no cache writes) leaves it ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from agent_evals.gateway import gemini_wire
from agent_evals.gateway.lanes import LaneTarget
from agent_evals.records import TokenUsage

WireName = Literal["openai", "anthropic", "responses", "gemini"]
ANTHROPIC_VERSION = "2023-06-01"
RawHeaders = list[tuple[bytes, bytes]]
CLIENT_AUTH = frozenset({b"authorization", b"x-api-key", b"x-goog-api-key"})
_NO_USAGE = b'"usage":null'


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cached_inside(
    usage: Any, prompt_key: str, output_key: str, details_key: str
) -> TokenUsage | None:
    """Usage of the OpenAI kind, where cached tokens are a part of the prompt tokens."""
    if not isinstance(usage, dict):
        return None
    prompt, completion = _int(usage.get(prompt_key)), _int(usage.get(output_key))
    if prompt is None or completion is None:
        return None
    details = usage.get(details_key)
    cached = (_int(details.get("cached_tokens")) if isinstance(details, dict) else None) or 0
    return TokenUsage(
        input=prompt - cached,
        output=completion,
        cache_read=cached,
        total=prompt + completion,
        source="metered",
    )


def openai_usage(usage: Any) -> TokenUsage | None:
    """Chat Completions ``usage``: cached tokens are part of ``prompt_tokens``."""
    return _cached_inside(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details")


def responses_usage(usage: Any) -> TokenUsage | None:
    """Responses API ``usage``: cached tokens are part of ``input_tokens``."""
    return _cached_inside(usage, "input_tokens", "output_tokens", "input_tokens_details")


def anthropic_usage(usage: Any) -> TokenUsage | None:
    """Messages ``usage``: input, cache reads and cache writes are counted apart."""
    if not isinstance(usage, dict):
        return None
    prompt, completion = _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))
    if prompt is None or completion is None:
        return None
    return TokenUsage(
        input=prompt,
        output=completion,
        cache_read=_int(usage.get("cache_read_input_tokens")) or 0,
        cache_write=_int(usage.get("cache_creation_input_tokens")) or 0,
        source="metered",
    ).with_total()


def body_usage(wire: WireName, body: bytes) -> TokenUsage | None:
    """The usage of a whole (non-streamed) answer, ``None`` when it has none."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    if wire == "anthropic":
        return anthropic_usage(document.get("usage"))
    if wire == "responses":
        return responses_usage(document.get("usage"))
    if wire == "gemini":
        return gemini_wire.body_usage(document)
    return openai_usage(document.get("usage"))


class StreamMeter:
    """Reads the usage out of a server-sent event stream as it passes through.

    ``feed`` returns the bytes to forward now. Events are forwarded whole; with
    ``strip_usage`` the usage-only chunk of an OpenAI stream (asked for upstream on the
    client's behalf) is dropped. ``complete`` tells whether the stream's final event came.
    Gemini streams may separate events with ``\r\n\r\n``; they are forwarded with ``\n\n``.
    """

    __slots__ = ("_buffer", "_crlf", "_event", "complete", "strip_usage", "usage")

    def __init__(self, wire: WireName, *, strip_usage: bool = False) -> None:
        self._buffer = b""
        self._crlf = wire == "gemini"
        self._event: Callable[[bytes], bool] = _EVENT_READERS[wire].__get__(self)
        self.strip_usage = strip_usage
        self.usage: TokenUsage | None = None
        self.complete = False

    def feed(self, chunk: bytes) -> bytes:
        """Take upstream bytes; return the complete events to forward."""
        data = self._buffer + chunk if self._buffer else chunk
        if self._crlf:
            data = data.replace(b"\r\n", b"\n")
        end = data.rfind(b"\n\n")
        if end < 0:
            self._buffer = data
            return b""
        self._buffer = data[end + 2 :]
        events = data[: end + 2]
        kept = [e for e in events.split(b"\n\n")[:-1] if self._event(e)]
        if len(kept) == events.count(b"\n\n"):
            return events
        return b"".join(e + b"\n\n" for e in kept)

    def finish(self) -> bytes:
        """Whatever is left when the upstream ends (an event without its blank line)."""
        rest, self._buffer = self._buffer, b""
        if rest.strip() and self._event(rest):
            return rest
        return b""

    def _openai_event(self, event: bytes) -> bool:
        if b'"usage"' in event and _NO_USAGE not in event:
            document = _event_data(event)
            found = openai_usage(document.get("usage"))
            if found is not None:
                self.usage = found
                if self.strip_usage and not document.get("choices"):
                    return False
        elif event.endswith(b"[DONE]"):
            self.complete = True
        return True

    def _anthropic_event(self, event: bytes) -> bool:
        if event.startswith(b"event: message_start"):
            message = _event_data(event).get("message")
            if isinstance(message, dict):
                self.usage = anthropic_usage(message.get("usage"))
        elif event.startswith(b"event: message_delta"):
            self.usage = _merge_anthropic(self.usage, _event_data(event).get("usage"))
        elif event.startswith(b"event: message_stop"):
            self.complete = True
        return True

    def _responses_event(self, event: bytes) -> bool:
        if event.startswith(b"event: response.completed"):
            response = _event_data(event).get("response")
            if isinstance(response, dict):
                self.usage = responses_usage(response.get("usage"))
            self.complete = True
        return True

    def _gemini_event(self, event: bytes) -> bool:
        usage, finished = gemini_wire.read_event(event)
        self.usage = usage or self.usage
        self.complete = self.complete or finished
        return True


_EVENT_READERS: dict[WireName, Any] = {
    "openai": StreamMeter._openai_event,
    "anthropic": StreamMeter._anthropic_event,
    "responses": StreamMeter._responses_event,
    "gemini": StreamMeter._gemini_event,
}


def _event_data(event: bytes) -> dict[str, Any]:
    start = event.find(b"data:")
    if start < 0:
        return {}
    try:
        document = orjson.loads(event[start + 5 :])
    except orjson.JSONDecodeError:
        return {}
    return document if isinstance(document, dict) else {}


def _merge_anthropic(started: TokenUsage | None, delta: Any) -> TokenUsage | None:
    """``message_delta`` carries the final output count (and, lately, the input counts too)."""
    if not isinstance(delta, dict) or _int(delta.get("output_tokens")) is None:
        return started
    merged = {**_anthropic_fields(started), **{k: v for k, v in delta.items() if v is not None}}
    return anthropic_usage(merged)


def _anthropic_fields(usage: TokenUsage | None) -> dict[str, int | None]:
    if usage is None:
        return {}
    return {
        "input_tokens": usage.input,
        "cache_read_input_tokens": usage.cache_read,
        "cache_creation_input_tokens": usage.cache_write,
    }


@dataclass(frozen=True)
class ErrorEvent:
    """How a wire format says "this failed", as a whole answer and as a stream event."""

    wire: WireName

    def body(self, status: int, message: str, kind: str) -> bytes:
        """An error document in the wire's own shape."""
        if self.wire == "anthropic":
            return orjson.dumps({"type": "error", "error": {"type": kind, "message": message}})
        if self.wire == "gemini":
            return gemini_wire.error_body(status, message)
        return orjson.dumps({"error": {"message": message, "type": kind, "code": status}})

    def event(self, message: str) -> bytes:
        """A stream event that ends the stream as failed (never a clean end)."""
        if self.wire == "anthropic":
            data = {"type": "error", "error": {"type": "api_error", "message": message}}
            return b"event: error\ndata: " + orjson.dumps(data) + b"\n\n"
        if self.wire == "responses":
            data = {"type": "error", "code": "upstream_error", "message": message}
            return b"event: error\ndata: " + orjson.dumps(data) + b"\n\n"
        if self.wire == "gemini":
            return gemini_wire.error_event(message)
        error = {"message": message, "type": "upstream_error", "code": 502}
        return b"data: " + orjson.dumps({"error": error}) + b"\n\n"


def auth_headers(wire: WireName, key: str) -> dict[str, str]:
    """The header a provider reads its API key from."""
    if wire == "anthropic":
        return {"x-api-key": key}
    if wire == "gemini":
        return {gemini_wire.KEY_HEADER: key}
    return {"authorization": f"Bearer {key}"}


def upstream_headers(wire: WireName, target: LaneTarget, forwarded: RawHeaders) -> dict[str, str]:
    """Headers for the upstream: the lane's key (the client's only when the lane has none and
    may take it, see ``lanes``)."""
    headers = {"content-type": "application/json", "accept-encoding": "identity"}
    keep_client_key = target.api_key is None and target.takes_client_key
    for name, value in forwarded:
        if name in CLIENT_AUTH and not keep_client_key:
            continue
        headers[name.decode("latin-1")] = value.decode("latin-1")
    if target.api_key is not None:
        headers.update(auth_headers(wire, target.api_key))
    if wire == "anthropic" and "anthropic-version" not in headers:
        headers["anthropic-version"] = ANTHROPIC_VERSION
    return headers


def upstream_url(wire: WireName, target: LaneTarget, path: str) -> str:
    """A lane's URL for a gateway endpoint (Gemini's carries the lane's model in its path)."""
    if wire == "gemini":
        base, _, query = target.base_url.partition("?")
        url = gemini_wire.upstream_url(base, path, target.model)
        # A key in the base URL's query (``?key=``) stays in the query.
        return f"{url}{'&' if '?' in url else '?'}{query}" if query else url
    return target.url(path)
