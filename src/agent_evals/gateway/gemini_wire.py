"""The Gemini API as the gateway speaks it: endpoints by method, usage, errors and the key.

The model is part of the path (``/v1beta/models/<model>:<method>``, or ``/v1/...``, which
the google-genai SDK uses with a custom base URL), so the gateway swaps
in the lane's model there and leaves the body as sent. ``streamGenerateContent`` answers
server-sent events (asked for with ``?alt=sse``), each a whole ``GenerateContentResponse``;
the last one carries ``finishReason`` and the final ``usageMetadata``. ``promptTokenCount``
includes ``cachedContentTokenCount``, as OpenAI's ``prompt_tokens`` include cached tokens.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from agent_evals.records import TokenUsage

GeminiMethod = Literal["generateContent", "streamGenerateContent", "countTokens"]
VERSIONS = ("/v1beta", "/v1")
MODEL_SLOT = "{model}"
KEY_HEADER = "x-goog-api-key"
METHODS: tuple[GeminiMethod, ...] = ("generateContent", "streamGenerateContent", "countTokens")
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 413: "INVALID_ARGUMENT", 502: "UNAVAILABLE"}


def endpoints(*methods: GeminiMethod) -> tuple[str, ...]:
    """The gateway's endpoint keys of these methods, e.g. ``/v1beta/models/{model}:countTokens``."""
    return tuple(f"{version}/models/{MODEL_SLOT}:{m}" for version in VERSIONS for m in methods)


def endpoint_of(path: str) -> str:
    """The endpoint key a request path falls under; other paths come back unchanged."""
    for version in VERSIONS:
        prefix = f"{version}/models/"
        if path.startswith(prefix):
            model, _, method = path[len(prefix) :].rpartition(":")
            if model and "/" not in model and method in METHODS:
                return f"{prefix}{MODEL_SLOT}:{method}"
    return path


def upstream_url(base_url: str, path: str, model: str) -> str:
    """The lane's URL for an endpoint key: its root, the lane's model, ``?alt=sse`` to stream."""
    root = base_url.removesuffix("/v1beta").removesuffix("/v1")
    url = root + path.replace(MODEL_SLOT, model)
    return url + "?alt=sse" if path.endswith(":streamGenerateContent") else url


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def gemini_usage(usage: Any) -> TokenUsage | None:
    """``usageMetadata``: cached tokens are part of the prompt; thoughts count as output."""
    if not isinstance(usage, dict):
        return None
    prompt = _int(usage.get("promptTokenCount"))
    if prompt is None:
        return None
    cached = _int(usage.get("cachedContentTokenCount")) or 0
    output = (_int(usage.get("candidatesTokenCount")) or 0) + (
        _int(usage.get("thoughtsTokenCount")) or 0
    )
    return TokenUsage(
        input=prompt - cached,
        output=output,
        cache_read=cached,
        total=_int(usage.get("totalTokenCount")) or prompt + output,
        source="metered",
    )


def body_usage(document: dict[str, Any]) -> TokenUsage | None:
    """The usage of a whole ``GenerateContentResponse``."""
    return gemini_usage(document.get("usageMetadata"))


def read_event(event: bytes) -> tuple[TokenUsage | None, bool]:
    """One streamed event's usage (if it has any) and whether it finishes the answer."""
    start = event.find(b"data:")
    if start < 0:
        return None, False
    try:
        chunk = orjson.loads(event[start + 5 :])
    except orjson.JSONDecodeError:
        return None, False
    if not isinstance(chunk, dict):
        return None, False
    candidates = chunk.get("candidates")
    finished = isinstance(candidates, list) and any(
        isinstance(c, dict) and c.get("finishReason") for c in candidates
    )
    return body_usage(chunk), finished


def error_body(status: int, message: str) -> bytes:
    """A Google API error document."""
    name = _STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
    return orjson.dumps({"error": {"code": status, "message": message, "status": name}})


def error_event(message: str) -> bytes:
    """A stream event that ends the stream as failed."""
    return b"data: " + error_body(502, message) + b"\n\n"
