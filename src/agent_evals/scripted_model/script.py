"""The scripted model's script: YAML turns per model and task, validated once and pre-indexed."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from agent_evals.errors import UsageError
from agent_evals.validation import load_yaml, validate_model, yaml_syntax_error

ANY = "*"
DONE_REPLY = "Done."
CHARS_PER_TOKEN = 4
MAX_STREAM_PIECES = 32
_WORD_START = re.compile(r"(?<=\s)(?=\S)")

NonNegativeInt = Annotated[int, Field(ge=0)]


class _UsageIn(BaseModel):
    """Token counts a turn reports; keys as in the OpenAI ``usage`` object."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: NonNegativeInt
    completion_tokens: NonNegativeInt
    cached_tokens: NonNegativeInt = 0

    @model_validator(mode="after")
    def _cached_within_prompt(self) -> _UsageIn:
        if self.cached_tokens > self.prompt_tokens:
            raise ValueError("cached_tokens are part of prompt_tokens, so at most prompt_tokens")
        return self


class _CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class _ToolCallIn(_CamelModel):
    name: str = Field(min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)


class _TurnIn(_CamelModel):
    content: str | None = None
    tool_calls: list[_ToolCallIn] = Field(default_factory=list)
    usage: _UsageIn | None = None
    delay_ms: NonNegativeInt | None = None
    status: Annotated[int, Field(ge=400, le=599)] | None = None
    cut_after_chunks: NonNegativeInt | None = None


class _DefaultsIn(_CamelModel):
    delay_ms: NonNegativeInt = 0
    usage: _UsageIn | None = None


class _ModelIn(_CamelModel):
    tasks: dict[str, list[_TurnIn]] = Field(default_factory=dict)
    match: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)


class _ScriptIn(_CamelModel):
    defaults: _DefaultsIn = Field(default_factory=_DefaultsIn)
    models: dict[str, _ModelIn] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one answer; ``prompt_tokens`` includes ``cached_tokens`` (OpenAI style)."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One scripted tool call, its arguments also kept as the JSON string the wire carries."""

    name: str
    arguments: Mapping[str, Any]
    arguments_json: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One scripted answer (or failure) of the model."""

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    delay_ms: int = 0
    status: int | None = None
    cut_after_chunks: int | None = None
    content_pieces: tuple[str, ...] = ()

    @property
    def completion_chars(self) -> int:
        """Characters the answer produces, the base of its derived completion tokens."""
        chars = len(self.content or "")
        return chars + sum(len(c.name) + len(c.arguments_json) for c in self.tool_calls)


@dataclass(frozen=True)
class Script:
    """A validated script, indexed by (model, task id) for constant-time answers."""

    turns: Mapping[tuple[str, str], tuple[Turn, ...]] = field(default_factory=dict)
    default_usage: Usage | None = None
    default_delay_ms: int = 0
    matches: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @cached_property
    def done(self) -> Turn:
        """The answer past the last scripted turn, or when nothing in the script matches."""
        return Turn(
            content=DONE_REPLY,
            usage=self.default_usage,
            delay_ms=self.default_delay_ms,
            content_pieces=(DONE_REPLY,),
        )

    @property
    def models(self) -> tuple[str, ...]:
        """The exact model names the script answers for (wildcards left out)."""
        return tuple(sorted({model for model, _ in self.turns if model != ANY}))

    def matched_task(self, model: str, prompt: str) -> str | None:
        """The first task (of this model, then of ``*``) whose ``match`` text is in the prompt."""
        for name in (model, ANY):
            for text, task in self.matches.get(name, ()):
                if text in prompt:
                    return task
        return None

    def task_turns(self, model: str, task_id: str | None) -> tuple[Turn, ...]:
        """The turns scripted for a model and task: exact names first, then ``*``."""
        task = task_id or ANY
        for key in ((model, task), (model, ANY), (ANY, task), (ANY, ANY)):
            turns = self.turns.get(key)
            if turns is not None:
                return turns
        return ()

    def turn(self, model: str, task_id: str | None, index: int) -> Turn:
        """The answer for ``index``-th turn, or "Done." past the scripted ones."""
        turns = self.task_turns(model, task_id)
        return turns[index] if 0 <= index < len(turns) else self.done

    @staticmethod
    def usage_for(turn: Turn, prompt_chars: int) -> Usage:
        """The turn's scripted usage (or the script default), else derived from the text."""
        return turn.usage or derived_usage(prompt_chars, turn.completion_chars)


def derived_usage(prompt_chars: int, completion_chars: int) -> Usage:
    """Deterministic usage for unscripted answers: one token per four characters, rounded up."""
    return Usage(
        prompt_tokens=math.ceil(prompt_chars / CHARS_PER_TOKEN),
        completion_tokens=max(1, math.ceil(completion_chars / CHARS_PER_TOKEN)),
    )


def parse_script(data: Any, where: str = "<script>") -> Script:
    """Validate script data (already parsed from YAML) and index it."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected a mapping with 'defaults' and 'models' keys")
    return _index(validate_model(_ScriptIn, data, where, UsageError))


def load_script(path: str | Path) -> Script:
    """Read and validate a script file; any fault is a ``UsageError`` naming file and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the script: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save the script as UTF-8") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise UsageError(yaml_syntax_error(exc, str(path))) from None
    return parse_script(data, str(path))


def _index(parsed: _ScriptIn) -> Script:
    default_usage = _usage(parsed.defaults.usage)
    default_delay = parsed.defaults.delay_ms
    turns = {
        (model, task): tuple(_turn(t, default_usage, default_delay) for t in task_turns)
        for model, model_in in parsed.models.items()
        for task, task_turns in model_in.tasks.items()
    }
    matches = {
        model: tuple((text, task) for task, text in model_in.match.items())
        for model, model_in in parsed.models.items()
        if model_in.match
    }
    return Script(turns, default_usage, default_delay, matches)


def _turn(turn: _TurnIn, default_usage: Usage | None, default_delay: int) -> Turn:
    calls = tuple(
        ToolCall(c.name, c.arguments, json.dumps(c.arguments, ensure_ascii=False))
        for c in turn.tool_calls
    )
    return Turn(
        content=turn.content,
        tool_calls=calls,
        usage=_usage(turn.usage) or default_usage,
        delay_ms=default_delay if turn.delay_ms is None else turn.delay_ms,
        status=turn.status,
        cut_after_chunks=turn.cut_after_chunks,
        content_pieces=stream_pieces(turn.content or ""),
    )


def stream_pieces(text: str, most: int = MAX_STREAM_PIECES) -> tuple[str, ...]:
    """Split text at word starts into at most ``most`` pieces, the deltas of a stream."""
    words = [w for w in _WORD_START.split(text) if w]
    size = max(1, math.ceil(len(words) / most))
    return tuple("".join(words[i : i + size]) for i in range(0, len(words), size))


def _usage(usage: _UsageIn | None) -> Usage | None:
    if usage is None:
        return None
    return Usage(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens)
