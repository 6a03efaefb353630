"""aider: ``aider --message <task> --analytics-log FILE`` writes one analytics event per line.

Each event is ``{"event", "properties", "user_id", "time"}``. ``message_send`` events carry
``main_model``, ``edit_format``, ``prompt_tokens``, ``completion_tokens``, ``total_tokens``,
``cost`` and the session's ``total_cost``; ``message_send_exception`` carries ``exception``.
aider prices only models it knows, so a cost of 0 next to model calls is read as unknown.
When aider streams, it counts tokens with its own tokenizer instead of reading the API's usage,
so the adapter runs it with ``--no-stream`` and marks the counts ``estimated`` if the user's
``agent.args`` turn streaming back on. Its history files are kept outside the workspace. The
task id reaches the model as a request header through aider's model settings file
(``extra_params.extra_headers``, passed on to litellm).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import yaml

from agent_evals.harness.agents.base import AgentRequest
from agent_evals.harness.agents.cli import (
    TASK_HEADER,
    CliAgent,
    endpoint_key,
    key_env,
    litellm_model,
    read_output_file,
)
from agent_evals.harness.agents.process import ProcessOutcome
from agent_evals.harness.agents.report import (
    AgentOutputError,
    AgentReport,
    JsonObject,
    as_object,
    float_or_none,
    int_or_none,
    iter_json_lines,
    reported_tokens,
    sum_known,
)

AGENT = "aider"
ANALYTICS_FILE = "aider-analytics.jsonl"
CHAT_HISTORY_FILE = ".aider.chat.history.md"
INPUT_HISTORY_FILE = ".aider.input.history"
MODEL_SETTINGS_FILE = "aider-model-settings.yml"
SEND, FAILURE = "message_send", "message_send_exception"
STATE_FILES = (
    f"**/{CHAT_HISTORY_FILE}",
    f"**/{INPUT_HISTORY_FILE}",
    "**/.aider.llm.history",
    "**/.aider.tags.cache.v*/**",
)


def parse_aider(text: str) -> AgentReport:
    """Read an aider ``--analytics-log`` file into an :class:`AgentReport`."""
    events = list(iter_json_lines(text, "aider analytics event"))
    if not any(isinstance(e.get("event"), str) for e in events):
        raise AgentOutputError("no aider analytics events (objects with an 'event') found")
    outcomes = [e for e in events if e.get("event") in (SEND, FAILURE)]
    sends = [as_object(e.get("properties")) for e in outcomes if e.get("event") == SEND]
    failed = bool(outcomes) and outcomes[-1].get("event") == FAILURE

    def total(key: str) -> int | None:
        return sum_known([int_or_none(p.get(key)) for p in sends])

    return AgentReport(
        agent=AGENT,
        status="error" if failed else "finished" if sends else "unknown",
        tokens=reported_tokens(
            input=total("prompt_tokens"),
            output=total("completion_tokens"),
            total=total("total_tokens"),
        ),
        cost_usd=_cost(sends),
        api_calls=len(sends) or None,
        model=_model(events),
        error=str(as_object(outcomes[-1].get("properties")).get("exception")) if failed else None,
        agent_version=_version(events),
    )


class AiderAgent(CliAgent):
    """aider answering one message, applying edits without asking and without git."""

    name = AGENT
    default_program = ("aider",)
    state_files = STATE_FILES

    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """``aider --message=<task> --yes-always --no-git --no-stream ... --analytics-log FILE``.

        Writes the model settings file that adds the task header into ``out`` first.
        """
        model = litellm_model(request)
        settings = out / MODEL_SETTINGS_FILE
        out.mkdir(parents=True, exist_ok=True)
        headers = {TASK_HEADER: request.task_id}
        entry = {"name": model, "extra_params": {"extra_headers": headers}}
        settings.write_text(yaml.safe_dump([entry]), encoding="utf-8")
        return [
            *self.program,
            f"--message={request.instruction}",
            "--yes-always",
            "--no-git",
            "--no-stream",
            "--no-check-update",
            "--no-show-model-warnings",
            "--no-pretty",
            "--no-analytics",
            "--analytics-log",
            str(out / ANALYTICS_FILE),
            "--chat-history-file",
            str(out / CHAT_HISTORY_FILE),
            "--input-history-file",
            str(out / INPUT_HISTORY_FILE),
            "--model-settings-file",
            str(settings),
            "--model",
            model,
            *self.spec.args,
        ]

    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """``OPENAI_API_BASE`` and ``OPENAI_API_KEY``, as aider documents for compatible APIs."""
        env = key_env(endpoint_key(request), "OPENAI_API_KEY")
        if request.base_url:
            env["OPENAI_API_BASE"] = request.base_url
        return env

    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """The analytics log aider wrote beside the workspace; streamed counts are estimates."""
        report = parse_aider(read_output_file(out / ANALYTICS_FILE, "aider analytics log"))
        if self._streams() and report.tokens.source == "reported":
            return replace(report, tokens=replace(report.tokens, source="estimated"))
        return report

    def failure_texts(self, outcome: ProcessOutcome, report: AgentReport | None) -> list[str]:
        """aider prints API errors on stdout; read it only when no model call was answered."""
        texts = super().failure_texts(outcome, report)
        answered = report is not None and bool(report.api_calls)
        return texts if answered else [*texts, outcome.stdout]

    def _streams(self) -> bool:
        flags = [arg for arg in self.spec.args if arg in ("--stream", "--no-stream")]
        return bool(flags) and flags[-1] == "--stream"


def _cost(sends: list[JsonObject]) -> float | None:
    costs = [float_or_none(p.get("cost")) for p in sends]
    known = [c for c in costs if c is not None]
    if sends and len(known) == len(costs):
        return sum(known) or None
    return (float_or_none(sends[-1].get("total_cost")) or None) if sends else None


def _version(events: list[JsonObject]) -> str | None:
    for event in events:
        version = as_object(event.get("properties")).get("aider_version")
        if isinstance(version, str):
            return version
    return None


def _model(events: list[JsonObject]) -> str | None:
    for event in events:
        model = as_object(event.get("properties")).get("main_model")
        if isinstance(model, str):
            return model
    return None
