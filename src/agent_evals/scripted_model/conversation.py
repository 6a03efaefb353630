"""What the scripted model reads from a request: the prompt and the turns it already gave.

The turn to answer is found by replaying the conversation's model turns against the script:
a model turn that says what the next scripted turn says (its text, or its tool calls by name)
moves the script on; a scripted failure is passed by whatever model turn follows it. Canned
exchanges an agent puts before the task (aider's examples, a "Got it." to the context) match
nothing, so they do not shift the script.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from agent_evals.scripted_model.script import Turn

# Keys that carry structure, not text the model reads; left out of derived prompt tokens.
_STRUCTURAL_KEYS = frozenset(
    {
        "role",
        "type",
        "id",
        "call_id",
        "tool_call_id",
        "tool_use_id",
        "cache_control",
        "media_type",
        "status",
    }
)
_MODEL_ITEMS = frozenset(
    {"function_call", "custom_tool_call", "local_shell_call", "reasoning", "web_search_call"}
)


@dataclass(frozen=True, slots=True)
class Said:
    """One model turn as the conversation replays it: its text and the tools it called."""

    text: str
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    """The parts of a request the script answers from."""

    said: tuple[Said, ...]
    prompt: tuple[Any, ...]

    @cached_property
    def prompt_chars(self) -> int:
        """Characters of prompt text, the base of derived prompt tokens."""
        return text_chars(self.prompt)

    @cached_property
    def prompt_text(self) -> str:
        """All prompt text joined, for scripts that pick a task by what the prompt says."""
        return "\n".join(_texts(self.prompt))


def text_chars(value: Any) -> int:
    """Characters of text in a message structure (strings under non-structural keys)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple):
        return sum(text_chars(item) for item in value)
    if isinstance(value, dict):
        return sum(text_chars(v) for k, v in value.items() if k not in _STRUCTURAL_KEYS)
    return 0


def replayed_turns(turns: Sequence[Turn], said: Sequence[Said]) -> int:
    """How many of the scripted ``turns`` the conversation's model turns already played."""
    position = 0
    for model_turn in said:
        if position < len(turns) and _plays(turns[position], model_turn):
            position += 1
    return position


def chat_conversation(body: Mapping[str, Any]) -> Conversation:
    """OpenAI Chat Completions: ``assistant`` messages with ``tool_calls``."""
    messages = body["messages"]
    said = tuple(
        Said(_text(m.get("content")), _names(m.get("tool_calls"), "function"))
        for m in messages
        if isinstance(m, dict) and m.get("role") == "assistant"
    )
    return Conversation(said, (messages,))


def anthropic_conversation(body: Mapping[str, Any]) -> Conversation:
    """Anthropic Messages: ``assistant`` messages of text and ``tool_use`` blocks."""
    messages = body["messages"]
    said = tuple(
        _blocks_said(m.get("content"))
        for m in messages
        if isinstance(m, dict) and m.get("role") == "assistant"
    )
    return Conversation(said, (messages, body.get("system")))


def responses_conversation(body: Mapping[str, Any]) -> Conversation:
    """Responses API: ``input`` as text or items; one model turn is a run of output items."""
    items = body["input"]
    prompt = (items, body.get("instructions"))
    if isinstance(items, str):
        return Conversation((), prompt)
    runs: list[list[Mapping[str, Any]]] = []
    previous_was_model = False
    for item in items:
        is_model = isinstance(item, dict) and _is_model_item(item)
        if is_model and not previous_was_model:
            runs.append([])
        if is_model:
            runs[-1].append(item)
        previous_was_model = is_model
    return Conversation(tuple(_items_said(run) for run in runs), prompt)


def gemini_conversation(body: Mapping[str, Any]) -> Conversation:
    """Gemini API: ``model`` contents of text and ``functionCall`` parts."""
    contents = body["contents"]
    said = tuple(
        _parts_said(c.get("parts"))
        for c in contents
        if isinstance(c, dict) and c.get("role") == "model"
    )
    system = body.get("systemInstruction", body.get("system_instruction"))
    return Conversation(said, (contents, system))


def _plays(turn: Turn, said: Said) -> bool:
    if turn.status is not None:
        return True
    if turn.tool_calls and tuple(c.name for c in turn.tool_calls) == said.tools:
        return True
    return bool(turn.content) and (turn.content or "").strip() == said.text.strip()


def _is_model_item(item: Mapping[str, Any]) -> bool:
    kind = item.get("type", "message")
    return kind in _MODEL_ITEMS or (kind == "message" and item.get("role") == "assistant")


def _items_said(run: list[Mapping[str, Any]]) -> Said:
    text = "".join(_text(i.get("content")) for i in run if i.get("type", "message") == "message")
    tools = tuple(str(i.get("name")) for i in run if i.get("type") == "function_call")
    return Said(text, tools)


def _blocks_said(content: Any) -> Said:
    if not isinstance(content, list):
        return Said(_text(content))
    return Said(_text(content), _names(content, "tool_use"))


def _parts_said(parts: Any) -> Said:
    if not isinstance(parts, list):
        return Said("")
    text = _text(parts)
    calls = [p.get("functionCall") or p.get("function_call") for p in parts if isinstance(p, dict)]
    return Said(text, tuple(str(c.get("name")) for c in calls if isinstance(c, dict)))


def _names(entries: Any, kind: str) -> tuple[str, ...]:
    """Tool names of OpenAI ``tool_calls`` (``function.name``) or Anthropic ``tool_use`` blocks."""
    if not isinstance(entries, list):
        return ()
    names = []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("type", kind) == kind:
            function = entry.get("function")
            name = function.get("name") if isinstance(function, dict) else entry.get("name")
            names.append(str(name))
    return tuple(names)


def _text(content: Any) -> str:
    """The text of a message's content: a string, or its text blocks joined."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "".join(
        b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str)
    )


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _STRUCTURAL_KEYS:
                yield from _texts(item)
