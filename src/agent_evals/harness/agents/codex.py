"""Codex CLI: ``codex exec --json`` prints one thread event per line (JSONL).

Events: ``thread.started``, ``turn.started``, ``item.started`` / ``item.updated`` /
``item.completed`` (items ``agent_message``, ``reasoning``, ``command_execution`` with
``command``, ``exit_code`` and ``status``, ``file_change`` with ``changes[].path``, ...),
``turn.completed`` with ``usage`` {``input_tokens``, ``cached_input_tokens``,
``output_tokens``} for the thread so far, ``turn.failed`` and ``error``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from agent_evals.harness.agents.base import AgentRequest
from agent_evals.harness.agents.cli import TASK_HEADER, CliAgent, endpoint_key, key_env
from agent_evals.harness.agents.process import ProcessOutcome
from agent_evals.harness.agents.report import (
    AgentOutputError,
    AgentReport,
    JsonObject,
    as_object,
    int_or_none,
    iter_json_lines,
    reported_tokens,
)
from agent_evals.records import TokenUsage

AGENT = "codex"
PROVIDER_ID = "agent_evals"
PROVIDER_KEY_ENV = "AGENT_EVALS_API_KEY"
TERMINAL_EVENTS = frozenset({"turn.completed", "turn.failed", "error"})


def parse_codex(text: str) -> AgentReport:
    """Read the JSONL events of ``codex exec --json`` into an :class:`AgentReport`."""
    events = list(iter_json_lines(text, "Codex event"))
    if not any(isinstance(e.get("type"), str) for e in events):
        raise AgentOutputError("no Codex thread events (objects with a 'type') in the output")
    items = _items(events)
    completed = [e for e in events if e.get("type") == "turn.completed"]
    ending = [e for e in events if e.get("type") in TERMINAL_EVENTS]
    last = ending[-1] if ending else None
    error = _error_message(last) if last and last.get("type") != "turn.completed" else None
    messages = [str(i.get("text")) for i in items if i.get("type") == "agent_message"]
    return AgentReport(
        agent=AGENT,
        status="unknown" if last is None else "finished" if error is None else "error",
        tokens=_tokens(as_object(completed[-1].get("usage"))) if completed else TokenUsage(),
        turns=sum(1 for e in events if e.get("type") == "turn.started") or None,
        error=error,
        commands=tuple(
            str(i["command"])
            for i in items
            if i.get("type") == "command_execution" and "command" in i
        ),
        files_changed=_changed_paths(items),
        final_message=messages[-1] if messages else None,
    )


class CodexAgent(CliAgent):
    """``codex exec`` in a workspace-write sandbox, pointed at the lane's endpoint."""

    name = AGENT
    default_program = ("codex",)
    wire = "openai-responses"

    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """``codex exec --json --skip-git-repo-check --sandbox workspace-write ... -- <task>``."""
        return [
            *self.program,
            "exec",
            "--json",
            "--skip-git-repo-check",
            "--sandbox",
            "workspace-write",
            "--model",
            request.model,
            *self._provider_overrides(request),
            *self.spec.args,
            "--",
            request.instruction,
        ]

    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """The key in ``CODEX_API_KEY``, or in the custom provider's ``env_key`` variable."""
        if request.base_url:
            return key_env(endpoint_key(request), PROVIDER_KEY_ENV)
        return key_env(request.api_key, "CODEX_API_KEY")

    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """The events Codex printed on stdout (progress goes to stderr)."""
        return parse_codex(outcome.stdout)

    def _provider_overrides(self, request: AgentRequest) -> list[str]:
        """A custom ``model_providers`` entry set through ``-c key=value`` (values in TOML)."""
        if not request.base_url:
            return []
        table = f"model_providers.{PROVIDER_ID}"
        settings = {
            "model_provider": PROVIDER_ID,
            f"{table}.name": "agent-evals",
            f"{table}.base_url": request.base_url,
            f"{table}.env_key": PROVIDER_KEY_ENV,
            f"{table}.wire_api": "responses",
        }
        args = [arg for k, v in settings.items() for arg in ("-c", f"{k}={json.dumps(v)}")]
        header = f"{table}.http_headers={{{json.dumps(TASK_HEADER)}={json.dumps(request.task_id)}}}"
        return [*args, "-c", header]


def _items(events: list[JsonObject]) -> list[JsonObject]:
    """Each item's latest state, in the order the items first appeared."""
    by_id: dict[str, JsonObject] = {}
    for number, event in enumerate(events):
        if str(event.get("type", "")).startswith("item."):
            item = as_object(event.get("item"))
            by_id[str(item.get("id", f"#{number}"))] = item
    return list(by_id.values())


def _tokens(usage: JsonObject) -> TokenUsage:
    prompt = int_or_none(usage.get("input_tokens"))
    cached = int_or_none(usage.get("cached_input_tokens"))
    return reported_tokens(
        input=prompt - (cached or 0) if prompt is not None else None,
        output=int_or_none(usage.get("output_tokens")),
        cache_read=cached,
    )


def _error_message(event: JsonObject) -> str:
    message = event.get("message") or as_object(event.get("error")).get("message")
    return str(message) if message else f"Codex reported {event.get('type')}"


def _changed_paths(items: list[JsonObject]) -> tuple[str, ...]:
    paths = [
        str(as_object(change).get("path"))
        for item in items
        if item.get("type") == "file_change" and item.get("status") != "failed"
        for change in item.get("changes") or []
    ]
    return tuple(dict.fromkeys(paths))
