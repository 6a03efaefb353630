"""OpenAI Chat Completions bodies and SSE chunks for one scripted answer."""

from __future__ import annotations

from typing import Any

from agent_evals.scripted_model.script import Turn, Usage
from agent_evals.scripted_model.sse import error_type, sse_data

DONE_EVENT = b"data: [DONE]\n\n"


def usage_body(usage: Usage) -> dict[str, Any]:
    """The ``usage`` object, cached tokens under ``prompt_tokens_details``."""
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def completion_body(
    turn: Turn, usage: Usage, *, model: str, serial: int, created: int
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` answer."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": turn.content if turn.content is not None or turn.tool_calls else "",
        "refusal": None,
    }
    if turn.tool_calls:
        message["tool_calls"] = [
            {
                "id": _call_id(serial, i),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json},
            }
            for i, call in enumerate(turn.tool_calls)
        ]
    return {
        "id": f"chatcmpl-scripted-{serial}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(turn)}
        ],
        "usage": usage_body(usage),
    }


def completion_events(
    turn: Turn,
    usage: Usage,
    *,
    model: str,
    serial: int,
    created: int,
    include_usage: bool,
) -> list[bytes]:
    """The SSE events of a streamed answer, ending with ``data: [DONE]``."""
    head: dict[str, Any] = {
        "id": f"chatcmpl-scripted-{serial}",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
    }
    if include_usage:
        head["usage"] = None

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return sse_data({**head, "choices": [choice]})

    events = [chunk({"role": "assistant", "content": "" if turn.content is not None else None})]
    events += [chunk({"content": piece}) for piece in turn.content_pieces]
    for i, call in enumerate(turn.tool_calls):
        opening = {"index": i, "id": _call_id(serial, i), "type": "function"}
        opening["function"] = {"name": call.name, "arguments": ""}
        events.append(chunk({"tool_calls": [opening]}))
        arguments = {"index": i, "function": {"arguments": call.arguments_json}}
        events.append(chunk({"tool_calls": [arguments]}))
    events.append(chunk({}, _finish(turn)))
    if include_usage:
        events.append(sse_data({**head, "choices": [], "usage": usage_body(usage)}))
    events.append(DONE_EVENT)
    return events


def error_body(status: int, message: str) -> dict[str, Any]:
    """An OpenAI-style error document."""
    return {"error": {"message": message, "type": error_type(status), "param": None, "code": None}}


def _finish(turn: Turn) -> str:
    return "tool_calls" if turn.tool_calls else "stop"


def _call_id(serial: int, index: int) -> str:
    return f"call_scripted_{serial}_{index}"
