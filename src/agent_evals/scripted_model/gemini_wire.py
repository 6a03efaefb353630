"""Gemini API (``generateContent``) bodies and stream chunks for one scripted answer.

A streamed answer (``streamGenerateContent?alt=sse``) is a series of ``data:`` events, each
a whole ``GenerateContentResponse``: text pieces, then the function calls, and a last chunk
with ``finishReason`` and ``usageMetadata``. ``promptTokenCount`` includes the cached
tokens (``cachedContentTokenCount``), as OpenAI's ``prompt_tokens`` do.
"""

from __future__ import annotations

from typing import Any

from agent_evals.scripted_model.script import Turn, Usage
from agent_evals.scripted_model.sse import sse_data

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def usage_body(usage: Usage) -> dict[str, Any]:
    """The ``usageMetadata`` object."""
    return {
        "promptTokenCount": usage.prompt_tokens,
        "candidatesTokenCount": usage.completion_tokens,
        "cachedContentTokenCount": usage.cached_tokens,
        "totalTokenCount": usage.total_tokens,
    }


def content_body(turn: Turn, usage: Usage, *, model: str, serial: int) -> dict[str, Any]:
    """A non-streamed ``GenerateContentResponse``."""
    parts: list[dict[str, Any]] = []
    if turn.content or not turn.tool_calls:
        parts.append({"text": turn.content or ""})
    parts += _call_parts(turn)
    return _chunk(parts, model, serial, finish=True, usage=usage)


def content_events(turn: Turn, usage: Usage, *, model: str, serial: int) -> list[bytes]:
    """The ``data:`` events of a streamed answer; the last one finishes it with usage."""
    chunks = [_chunk([{"text": piece}], model, serial) for piece in turn.content_pieces]
    last_parts = _call_parts(turn)
    if not chunks and not last_parts:
        last_parts = [{"text": ""}]
    chunks.append(_chunk(last_parts, model, serial, finish=True, usage=usage))
    return [sse_data(chunk) for chunk in chunks]


def count_body(prompt_tokens: int) -> dict[str, Any]:
    """The ``countTokens`` answer."""
    return {"totalTokens": prompt_tokens}


def error_body(status: int, message: str) -> dict[str, Any]:
    """A Google API error document."""
    name = _STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
    return {"error": {"code": status, "message": message, "status": name}}


def _call_parts(turn: Turn) -> list[dict[str, Any]]:
    return [{"functionCall": {"name": c.name, "args": dict(c.arguments)}} for c in turn.tool_calls]


def _chunk(
    parts: list[dict[str, Any]],
    model: str,
    serial: int,
    *,
    finish: bool = False,
    usage: Usage | None = None,
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = "STOP"
    chunk: dict[str, Any] = {
        "candidates": [candidate],
        "modelVersion": model,
        "responseId": f"scripted-{serial}",
    }
    if usage is not None:
        chunk["usageMetadata"] = usage_body(usage)
    return chunk
