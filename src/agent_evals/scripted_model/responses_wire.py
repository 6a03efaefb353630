"""OpenAI Responses API bodies and stream events for one scripted answer.

A streamed answer runs ``response.created`` → ``response.in_progress`` → each output item
(``output_item.added``, its deltas, ``output_item.done``) → ``response.completed``, whose
``response`` carries the whole output and the ``usage``; cached tokens are part of
``input_tokens``, as in Chat Completions.
"""

from __future__ import annotations

from typing import Any

from agent_evals.scripted_model.script import Turn, Usage
from agent_evals.scripted_model.sse import sse_event


def usage_body(usage: Usage) -> dict[str, Any]:
    """The ``usage`` object, cached tokens under ``input_tokens_details``."""
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage.total_tokens,
    }


def response_body(
    turn: Turn, usage: Usage, *, model: str, serial: int, created: int
) -> dict[str, Any]:
    """A completed ``response`` object with its output items."""
    return {
        **_response_head(model, serial, created, "completed"),
        "output": _output_items(turn, serial),
        "usage": usage_body(usage),
    }


def response_events(
    turn: Turn, usage: Usage, *, model: str, serial: int, created: int
) -> list[bytes]:
    """The named events of a streamed answer, from ``response.created`` to ``.completed``."""
    opening = {**_response_head(model, serial, created, "in_progress"), "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": opening},
        {"type": "response.in_progress", "response": opening},
    ]
    for index, item in enumerate(_output_items(turn, serial)):
        events += _item_events(index, item, turn)
    body = response_body(turn, usage, model=model, serial=serial, created=created)
    events.append({"type": "response.completed", "response": body})
    return [
        sse_event(event["type"], {**event, "sequence_number": number})
        for number, event in enumerate(events)
    ]


def _output_items(turn: Turn, serial: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if turn.content or not turn.tool_calls:
        text = {"type": "output_text", "text": turn.content or "", "annotations": []}
        items.append(
            {
                "id": f"msg_scripted_{serial}",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [text],
            }
        )
    items += [
        {
            "id": f"fc_scripted_{serial}_{i}",
            "type": "function_call",
            "status": "completed",
            "call_id": f"call_scripted_{serial}_{i}",
            "name": call.name,
            "arguments": call.arguments_json,
        }
        for i, call in enumerate(turn.tool_calls)
    ]
    return items


def _item_events(index: int, item: dict[str, Any], turn: Turn) -> list[dict[str, Any]]:
    where = {"output_index": index, "item_id": item["id"]}
    if item["type"] == "function_call":
        added = {**item, "status": "in_progress", "arguments": ""}
        middle = [
            {"type": "response.function_call_arguments.delta", **where, "delta": item["arguments"]},
            {"type": "response.function_call_arguments.done", **where, **_call_fields(item)},
        ]
    else:
        added = {**item, "status": "in_progress", "content": []}
        middle = _text_events(where, item["content"][0], turn.content_pieces)
    return [
        {"type": "response.output_item.added", "output_index": index, "item": added},
        *middle,
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


def _text_events(
    where: dict[str, Any], part: dict[str, Any], pieces: tuple[str, ...]
) -> list[dict[str, Any]]:
    at = {**where, "content_index": 0}
    empty = {**part, "text": ""}
    return [
        {"type": "response.content_part.added", **at, "part": empty},
        *({"type": "response.output_text.delta", **at, "delta": p} for p in pieces),
        {"type": "response.output_text.done", **at, "text": part["text"]},
        {"type": "response.content_part.done", **at, "part": part},
    ]


def _call_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {"name": item["name"], "arguments": item["arguments"]}


def _response_head(model: str, serial: int, created: int, status: str) -> dict[str, Any]:
    return {
        "id": f"resp_scripted_{serial}",
        "object": "response",
        "created_at": created,
        "status": status,
        "model": model,
        "error": None,
        "incomplete_details": None,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
    }
