"""Gemini CLI headless mode: ``gemini -p <prompt> --output-format json`` (or ``stream-json``).

``json`` prints one object: ``response``, ``stats`` (``models.<name>.tokens`` {``prompt``,
``candidates``, ``cached``, ``thoughts``, ``total``, ...}, ``models.<name>.api``
{``totalRequests``, ...}, ``tools``, ``files``) and ``error`` {``type``, ``message``}.
``stream-json`` prints events (``init``, ``message``, ``tool_use``, ``tool_result``, ``error``,
``result`` with aggregated ``stats``). Exit code 53 means the turn limit was exceeded; 41
(auth), 42 (input), 44 (sandbox) and 52 (config) mean it stopped before the model could work,
and with ``--output-format json`` it prints that error as a JSON object on stderr.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Set
from dataclasses import replace
from pathlib import Path

from agent_evals.harness.agents.base import AgentRequest, AgentResult, scratch_dir
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
    int_or_none,
    iter_json_lines,
    reported_tokens,
    sum_known,
)
from agent_evals.records import TokenUsage

AGENT = "gemini-cli"
TURN_LIMIT_EXIT_CODE = 53
TURN_LIMIT_ERROR = "FatalTurnLimitedError"
INFRA_SIGNS = InfraSigns(
    exit_codes=frozenset({41, 42, 44, 52}),
    signs=(
        (
            "Gemini CLI failed its own auth or config check",
            re.compile(
                r"FatalAuthenticationError|FatalConfigError|FatalSandboxError|"
                r"Invalid auth method selected|Please set an Auth method"
            ),
        ),
    ),
)
SHELL_TOOL = "run_shell_command"
EDIT_TOOLS = frozenset({"write_file", "replace"})


def parse_gemini_cli(text: str) -> AgentReport:
    """Read Gemini CLI's ``json`` or ``stream-json`` output into an :class:`AgentReport`.

    Lines before the first JSON object (notices some versions print on stdout) are skipped.
    """
    body = _from_first_object(text)
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        return _from_stream(list(iter_json_lines(body, "Gemini CLI event")))
    if not isinstance(payload, dict):
        raise AgentOutputError("Gemini CLI output is not a JSON object")
    return _from_json(payload)


class GeminiCliAgent(CliAgent):
    """Gemini CLI with tool calls auto-approved (``--yolo``) inside the workspace."""

    name = AGENT
    default_program = ("gemini",)
    limit_exit_codes = frozenset({TURN_LIMIT_EXIT_CODE})
    infra_signs = INFRA_SIGNS
    wire = "gemini"

    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """``gemini --output-format json --model M --yolo --prompt=<instruction>``."""
        return [
            *self.program,
            "--output-format",
            "json",
            "--model",
            request.model,
            "--yolo",
            *self.spec.args,
            f"--prompt={request.instruction}",
        ]

    def run(self, request: AgentRequest) -> AgentResult:
        """Run with its own settings home (``GEMINI_CLI_HOME``), unless the request names one.

        The settings select API-key auth (headless mode rejects the default once a base URL
        is set) and the turn limit; Gemini CLI ignores settings in a world-writable folder,
        and a temporary directory is private to its owner.
        """
        with scratch_dir(request, "agent-evals-gemini-") as home:
            settings_dir = Path(home) / ".gemini"
            settings_dir.mkdir()
            settings = {
                "security": {"auth": {"selectedType": "gemini-api-key"}},
                "model": {"maxSessionTurns": request.max_turns},
            }
            (settings_dir / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
            env = {"GEMINI_CLI_HOME": home, **request.env}
            return super().run(replace(request, env=env))

    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """``GEMINI_API_KEY``, ``GOOGLE_GEMINI_BASE_URL``, the task header, a trusted workspace."""
        env = {
            "GEMINI_CLI_TRUST_WORKSPACE": "true",
            "GEMINI_CLI_CUSTOM_HEADERS": task_header_line(request),
            **key_env(endpoint_key(request), "GEMINI_API_KEY"),
        }
        if request.base_url:
            env["GOOGLE_GEMINI_BASE_URL"] = strip_version_suffix(request.base_url, "/v1beta", "/v1")
        return env

    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """The JSON document Gemini CLI printed on stdout, or the error it printed on stderr."""
        if not outcome.stdout.strip() and outcome.stderr.strip():
            return parse_gemini_cli(outcome.stderr)
        return parse_gemini_cli(outcome.stdout)


def _from_first_object(text: str) -> str:
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.lstrip().startswith("{"):
            return "\n".join(lines[number:])
    raise AgentOutputError("no JSON object in Gemini CLI output")


def _from_json(payload: JsonObject) -> AgentReport:
    models = {
        k: as_object(v) for k, v in as_object(as_object(payload.get("stats")).get("models")).items()
    }
    requests = {
        name: int_or_none(as_object(m.get("api")).get("totalRequests"))
        for name, m in models.items()
    }
    error = as_object(payload.get("error"))
    response = payload.get("response")
    return AgentReport(
        agent=AGENT,
        status=_status(error, finished=isinstance(response, str)),
        tokens=_model_tokens([as_object(m.get("tokens")) for m in models.values()]),
        api_calls=sum_known(list(requests.values())),
        model=max(sorted(requests), key=lambda k: requests[k] or 0) if requests else None,
        error=_error_text(error),
        final_message=response if isinstance(response, str) else None,
    )


def _model_tokens(per_model: list[JsonObject]) -> TokenUsage:
    def total(key: str) -> int | None:
        return sum_known([int_or_none(t.get(key)) for t in per_model])

    candidates, thoughts = total("candidates"), total("thoughts")
    return reported_tokens(
        input=_uncached(total("input"), total("prompt"), total("cached")),
        output=None if candidates is None else candidates + (thoughts or 0),
        cache_read=total("cached"),
        total=total("total"),
    )


def _from_stream(events: list[JsonObject]) -> AgentReport:
    results = [e for e in events if e.get("type") == "result"]
    result = results[-1] if results else {}
    stats, error = as_object(result.get("stats")), as_object(result.get("error"))
    init = next((e for e in events if e.get("type") == "init"), {})
    cached = int_or_none(stats.get("cached"))
    return AgentReport(
        agent=AGENT,
        status="unknown" if not results else _status(error, result.get("status") == "success"),
        tokens=reported_tokens(
            input=_uncached(
                int_or_none(stats.get("input")), int_or_none(stats.get("input_tokens")), cached
            ),
            output=int_or_none(stats.get("output_tokens")),
            cache_read=cached,
            total=int_or_none(stats.get("total_tokens")),
        ),
        model=init.get("model") if isinstance(init.get("model"), str) else None,
        error=_error_text(error),
        commands=_tool_arguments(events, {SHELL_TOOL}, "command"),
        files_changed=tuple(dict.fromkeys(_tool_arguments(events, EDIT_TOOLS, "file_path"))),
    )


def _uncached(uncached: int | None, prompt: int | None, cached: int | None) -> int | None:
    """Newer versions report uncached ``input``; older ones only ``prompt`` with the cache."""
    if uncached is not None or prompt is None:
        return uncached
    return prompt - (cached or 0)


def _tool_arguments(events: list[JsonObject], tools: Set[str], key: str) -> tuple[str, ...]:
    calls = [e for e in events if e.get("type") == "tool_use" and e.get("tool_name") in tools]
    values = [as_object(call.get("parameters")).get(key) for call in calls]
    return tuple(str(v) for v in values if v is not None)


def _status(error: JsonObject, finished: bool) -> AgentStatus:
    if error.get("type") == TURN_LIMIT_ERROR:
        return "limit_exceeded"
    if error:
        return "error"
    return "finished" if finished else "unknown"


def _error_text(error: JsonObject) -> str | None:
    if not error or error.get("type") == TURN_LIMIT_ERROR:
        return None
    message = error.get("message") or "unknown error"
    return f"{error['type']}: {message}" if error.get("type") else str(message)
