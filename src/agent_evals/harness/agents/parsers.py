"""Usage parsers by name: the formats ``agent.usageParser`` selects and importers read.

Each parser is a pure function from recorded output text to an :class:`AgentReport`; none
of them runs or needs the agent CLI.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

from agent_evals.errors import UsageError
from agent_evals.harness.agents.aider import parse_aider
from agent_evals.harness.agents.claude_code import parse_claude_code
from agent_evals.harness.agents.codex import parse_codex
from agent_evals.harness.agents.gemini_cli import parse_gemini_cli
from agent_evals.harness.agents.mini_swe_agent import parse_mini_swe_agent
from agent_evals.harness.agents.report import (
    AgentOutputError,
    AgentReport,
    first_present,
    float_or_none,
    int_or_none,
    load_json_object,
    reported_tokens,
)

UsageParser = Callable[[str], AgentReport]

JSON_USAGE = "json-usage"


def parse_json_usage(text: str) -> AgentReport:
    """Read the last non-blank line as ``{"input_tokens": .., "output_tokens": .., ...}``.

    Keys read: ``input_tokens`` (without cached tokens), ``output_tokens``,
    ``cache_read_tokens``, ``cache_write_tokens``, ``total_tokens``, ``cost_usd``,
    ``api_calls``, ``model`` and ``error``; other keys are ignored.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise AgentOutputError("no output; json-usage reads a JSON object on the last line")
    usage = load_json_object(lines[-1], "the last output line")
    error = usage.get("error")
    model = usage.get("model")
    return AgentReport(
        agent="command",
        status="error" if error else "finished",
        tokens=reported_tokens(
            input=int_or_none(usage.get("input_tokens")),
            output=int_or_none(usage.get("output_tokens")),
            cache_read=int_or_none(first_present(usage, "cache_read_tokens", "cached_tokens")),
            cache_write=int_or_none(usage.get("cache_write_tokens")),
            total=int_or_none(usage.get("total_tokens")),
        ),
        cost_usd=float_or_none(usage.get("cost_usd")),
        api_calls=int_or_none(usage.get("api_calls")),
        model=model if isinstance(model, str) else None,
        error=str(error) if error else None,
    )


PARSERS: Mapping[str, UsageParser] = MappingProxyType(
    {
        "aider": parse_aider,
        "claude-code": parse_claude_code,
        "codex": parse_codex,
        "gemini-cli": parse_gemini_cli,
        JSON_USAGE: parse_json_usage,
        "mini-swe-agent": parse_mini_swe_agent,
    }
)


def get_parser(name: str) -> UsageParser:
    """The parser registered as ``name``; a :class:`UsageError` with a hint otherwise."""
    parser = PARSERS.get(name)
    if parser is None:
        raise unknown_name_error("usage parser", name, PARSERS, key="agent.usageParser")
    return parser


def parse_file(name: str, path: Path) -> AgentReport:
    """Parse a recorded output file; format errors name ``file:line``."""
    parser = get_parser(name)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return parser(text)
    except AgentOutputError as exc:
        raise exc.located(path) from None


def unknown_name_error(kind: str, name: str, known: Iterable[str], *, key: str) -> UsageError:
    """``unknown <kind> 'x'; did you mean 'y'? (known: ...)`` for a bad registry name."""
    names = sorted(known)
    hint = difflib.get_close_matches(name, names, n=1)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return UsageError(f"{key}: unknown {kind} {name!r}{suggestion} (known: {', '.join(names)})")
