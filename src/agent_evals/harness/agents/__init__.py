"""Agent adapters by name (``agent.type``) and the parsers of their recorded output."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents.aider import AiderAgent, parse_aider
from agent_evals.harness.agents.base import AgentAdapter, AgentRequest, AgentResult
from agent_evals.harness.agents.claude_code import ClaudeCodeAgent, parse_claude_code
from agent_evals.harness.agents.codex import CodexAgent, parse_codex
from agent_evals.harness.agents.command import CommandAgent, render_argv
from agent_evals.harness.agents.gemini_cli import GeminiCliAgent, parse_gemini_cli
from agent_evals.harness.agents.mini_swe_agent import (
    EXIT_STATUSES,
    MiniSweAgent,
    exit_status_to_agent_status,
    parse_mini_swe_agent,
)
from agent_evals.harness.agents.parsers import (
    PARSERS,
    get_parser,
    parse_file,
    parse_json_usage,
    unknown_name_error,
)
from agent_evals.harness.agents.report import AgentOutputError, AgentReport, AgentStatus

AdapterFactory = Callable[[AgentSpec], AgentAdapter]


def _builtin(spec: AgentSpec) -> AgentAdapter:
    from agent_evals.harness.agents.builtin import BuiltinAgent

    return BuiltinAgent()


ADAPTERS: Mapping[str, AdapterFactory] = MappingProxyType(
    {
        "aider": AiderAgent,
        "builtin": _builtin,
        "claude-code": ClaudeCodeAgent,
        "codex": CodexAgent,
        "command": CommandAgent,
        "gemini-cli": GeminiCliAgent,
        "mini-swe-agent": MiniSweAgent,
    }
)


def get_adapter(spec: AgentSpec) -> AgentAdapter:
    """The adapter for ``spec.type``; a :class:`UsageError` naming the known types otherwise."""
    factory = ADAPTERS.get(spec.type)
    if factory is None:
        raise unknown_name_error("agent type", spec.type, ADAPTERS, key="agent.type")
    return factory(spec)


__all__ = [
    "ADAPTERS",
    "EXIT_STATUSES",
    "PARSERS",
    "AdapterFactory",
    "AgentAdapter",
    "AgentOutputError",
    "AgentReport",
    "AgentRequest",
    "AgentResult",
    "AgentStatus",
    "AiderAgent",
    "ClaudeCodeAgent",
    "CodexAgent",
    "CommandAgent",
    "GeminiCliAgent",
    "MiniSweAgent",
    "exit_status_to_agent_status",
    "get_adapter",
    "get_parser",
    "parse_aider",
    "parse_claude_code",
    "parse_codex",
    "parse_file",
    "parse_gemini_cli",
    "parse_json_usage",
    "parse_mini_swe_agent",
    "render_argv",
]
