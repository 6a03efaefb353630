"""Anthropic Messages bodies and stream events for one scripted answer.

Anthropic counts cache reads apart from input, so ``input_tokens`` is the scripted
``prompt_tokens`` minus ``cached_tokens``, and ``cache_read_input_tokens`` the cached part.
"""

from __future__ import annotations

from typing import Any

from agent_evals.scripted_model.script import Turn, Usage
from agent_evals.scripted_model.sse import error_type, sse_event


def usage_body(usage: Usage) -> dict[str, Any]:
    """The ``usage`` object of a message."""
    return {
        "input_tokens": usage.prompt_tokens - usage.cached_tokens,
        "output_tokens": usage.completion_tokens,
        "cache_read_input_tokens": usage.cached_tokens,
        "cache_creation_input_tokens": 0,
    }


def message_body(turn: Turn, usage: Usage, *, model: str, serial: int) -> dict[str, Any]:
    """A non-streamed ``message`` answer with text and ``tool_use`` blocks."""
    blocks: list[dict[str, Any]] = []
    if turn.content or not turn.tool_calls:
        blocks.append({"type": "text", "text": turn.content or ""})
    blocks += [
        {"type": "tool_use", "id": _tool_id(serial, i), "name": call.name, "input": call.arguments}
        for i, call in enumerate(turn.tool_calls)
    ]
    return {
        **_message_head(model, serial),
        "content": blocks,
        "stop_reason": _stop_reason(turn),
        "stop_sequence": None,
        "usage": usage_body(usage),
    }


def message_events(turn: Turn, usage: Usage, *, model: str, serial: int) -> list[bytes]:
    """The named events of a streamed answer, from ``message_start`` to ``message_stop``."""
    start_usage = {**usage_body(usage), "output_tokens": 0}
    opening = {**_message_head(model, serial), "content": [], "stop_reason": None}
    opening |= {"stop_sequence": None, "usage": start_usage}
    events = [sse_event("message_start", {"type": "message_start", "message": opening})]
    index = 0
    if turn.content or not turn.tool_calls:
        deltas = [{"type": "text_delta", "text": piece} for piece in turn.content_pieces]
        events += _block(index, {"type": "text", "text": ""}, deltas)
        index += 1
    for i, call in enumerate(turn.tool_calls):
        block = {"type": "tool_use", "id": _tool_id(serial, i), "name": call.name, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": call.arguments_json}]
        events += _block(index + i, block, deltas)
    delta = {"stop_reason": _stop_reason(turn), "stop_sequence": None}
    closing = {"type": "message_delta", "delta": delta, "usage": usage_body(usage)}
    events.append(sse_event("message_delta", closing))
    events.append(sse_event("message_stop", {"type": "message_stop"}))
    return events


def error_body(status: int, message: str) -> dict[str, Any]:
    """An Anthropic-style error document."""
    return {"type": "error", "error": {"type": error_type(status), "message": message}}


def _block(index: int, block: dict[str, Any], deltas: list[dict[str, Any]]) -> list[bytes]:
    start = {"type": "content_block_start", "index": index, "content_block": block}
    events = [sse_event("content_block_start", start)]
    kind = "content_block_delta"
    events += [sse_event(kind, {"type": kind, "index": index, "delta": d}) for d in deltas]
    events.append(sse_event("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events


def _message_head(model: str, serial: int) -> dict[str, Any]:
    return {"id": f"msg_scripted_{serial}", "type": "message", "role": "assistant", "model": model}


def _stop_reason(turn: Turn) -> str:
    return "tool_use" if turn.tool_calls else "end_turn"


def _tool_id(serial: int, index: int) -> str:
    return f"toolu_scripted_{serial}_{index}"
