"""Claude Code: ``claude -p`` with ``--output-format json`` or ``stream-json``.

The parser reads all three documented shapes: the single result object (``json``), the array
of messages ``json`` prints with ``--verbose``, and one message per line (``stream-json``).
The last ``{"type": "result"}`` message carries ``subtype``, ``is_error``, ``num_turns``,
``total_cost_usd``, ``usage`` and ``modelUsage``; assistant messages carry the tool calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent_evals.harness.agents.base import AgentRequest
from agent_evals.harness.agents.cli import (
    CliAgent,
    endpoint_key,
    key_env,
    strip_version_suffix,
    task_header_line,
)
from agent_evals.harness.agents.failures import InfraSigns
from agent_evals.harness.agents.process import ProcessOutcome
from agent_evals.harness.agents.report import (
    AgentOutputError,
    AgentReport,
    AgentStatus,
    JsonObject,
    as_object,
    float_or_none,
    int_or_none,
    iter_json_lines,
    reported_tokens,
    sum_known,
)
from agent_evals.records import TokenUsage

AGENT = "claude-code"
LIMIT_SUBTYPES = frozenset({"error_max_turns", "error_max_budget_usd"})
# Claude Code exits 1 before any model call when bypassPermissions is asked for as root.
INFRA_SIGNS = InfraSigns(
    signs=(
        (
            "Claude Code refuses bypassPermissions as root: run the replay as a non-root user, "
            "or set IS_SANDBOX=1 when it runs inside a disposable container",
            re.compile(r"cannot be used with root/sudo privileges"),
        ),
    )
)
EDIT_TOOLS = {
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}


def parse_claude_code(text: str) -> AgentReport:
    """Read Claude Code's ``json`` or ``stream-json`` output into an :class:`AgentReport`."""
    messages = _messages(text)
    results = [m for m in messages if m.get("type") == "result"]
    if not results:
        raise AgentOutputError("no {'type': 'result'} message in Claude Code output")
    result = results[-1]
    model_usage = as_object(result.get("modelUsage"))
    status = _status(result)
    tool_calls = [_tool_calls(m) for m in messages if m.get("type") == "assistant"]
    calls = [call for batch in tool_calls for call in batch]
    final = result.get("result")
    return AgentReport(
        agent=AGENT,
        status=status,
        tokens=_model_usage_tokens(model_usage) or _usage_tokens(as_object(result.get("usage"))),
        cost_usd=float_or_none(result.get("total_cost_usd", result.get("cost_usd"))),
        api_calls=_api_calls(messages),
        turns=int_or_none(result.get("num_turns")),
        model=_model(messages, model_usage),
        error=_error(result) if status == "error" else None,
        commands=tuple(str(i["command"]) for n, i in calls if n == "Bash" and "command" in i),
        files_changed=_files(calls),
        final_message=final if isinstance(final, str) else None,
    )


class ClaudeCodeAgent(CliAgent):
    """Claude Code in print mode, permissions bypassed inside the throwaway workspace."""

    name = AGENT
    default_program = ("claude",)
    infra_signs = INFRA_SIGNS
    state_files = ("**/.claude/settings.local.json",)
    wire = "anthropic-messages"

    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """``claude -p --output-format stream-json --verbose --model M ... -- <instruction>``."""
        return [
            *self.program,
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--model",
            request.model,
            "--max-turns",
            str(request.max_turns),
            "--permission-mode",
            "bypassPermissions",
            *self.spec.args,
            "--",
            request.instruction,
        ]

    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """``ANTHROPIC_BASE_URL`` (without ``/v1``), the key, the task header, no side calls.

        ``IS_SANDBOX=1`` (only with ``agent.allowRoot``) lets it bypass permissions as root.
        """
        env = key_env(endpoint_key(request), "ANTHROPIC_API_KEY")
        env["ANTHROPIC_CUSTOM_HEADERS"] = task_header_line(request)
        env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
        if self.spec.allow_root:
            env["IS_SANDBOX"] = "1"
        if request.base_url:
            env["ANTHROPIC_BASE_URL"] = strip_version_suffix(request.base_url, "/v1")
        return env

    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """The stream Claude Code printed on stdout."""
        return parse_claude_code(outcome.stdout)


def _messages(text: str) -> list[JsonObject]:
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return list(iter_json_lines(text, "Claude Code output"))
    if isinstance(whole, dict):
        return [whole]
    if isinstance(whole, list):
        return [m for m in whole if isinstance(m, dict)]
    raise AgentOutputError("Claude Code output is neither a message nor a list of messages")


def _status(result: JsonObject) -> AgentStatus:
    subtype = result.get("subtype")
    if subtype in LIMIT_SUBTYPES:
        return "limit_exceeded"
    if subtype == "success" and result.get("is_error") is not True:
        return "finished"
    return "error"


def _error(result: JsonObject) -> str:
    errors = result.get("errors")
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)
    text = result.get("result")
    if result.get("is_error") is True and isinstance(text, str) and text:
        return text
    return f"Claude Code ended with {result.get('subtype') or 'an unknown result'}"


def _usage_tokens(usage: JsonObject) -> TokenUsage:
    return reported_tokens(
        input=int_or_none(usage.get("input_tokens")),
        output=int_or_none(usage.get("output_tokens")),
        cache_read=int_or_none(usage.get("cache_read_input_tokens")),
        cache_write=int_or_none(usage.get("cache_creation_input_tokens")),
    )


def _model_usage_tokens(model_usage: JsonObject) -> TokenUsage | None:
    """Per-model usage also counts subagents and helper models, so it wins when present."""
    entries = [as_object(v) for v in model_usage.values()]

    def total(key: str) -> int | None:
        return sum_known([int_or_none(e.get(key)) for e in entries])

    usage = reported_tokens(
        input=total("inputTokens"),
        output=total("outputTokens"),
        cache_read=total("cacheReadInputTokens"),
        cache_write=total("cacheCreationInputTokens"),
    )
    return usage if usage.source == "reported" else None


def _model(messages: list[JsonObject], model_usage: JsonObject) -> str | None:
    if model_usage:
        costs = {
            k: float_or_none(as_object(v).get("costUSD")) or 0.0 for k, v in model_usage.items()
        }
        return max(sorted(costs), key=lambda k: costs[k])
    for message in messages:
        model = message.get("model") or as_object(message.get("message")).get("model")
        if isinstance(model, str):
            return model
    return None


def _api_calls(messages: list[JsonObject]) -> int | None:
    ids = {as_object(m.get("message")).get("id") for m in messages if m.get("type") == "assistant"}
    ids.discard(None)
    return len(ids) or None


def _tool_calls(message: JsonObject) -> list[tuple[str, dict[str, Any]]]:
    content = as_object(message.get("message")).get("content")
    if not isinstance(content, list):
        return []
    return [
        (str(block.get("name")), as_object(block.get("input")))
        for block in content
        if isinstance(block, dict) and block.get("type") == "tool_use"
    ]


def _files(calls: list[tuple[str, dict[str, Any]]]) -> tuple[str, ...]:
    paths = [args.get(EDIT_TOOLS.get(name, "")) for name, args in calls]
    return tuple(dict.fromkeys(p for p in paths if isinstance(p, str)))
