"""aider: ``aider --message <task> --analytics-log FILE`` writes one analytics event per line.

Each event is ``{"event", "properties", "user_id", "time"}``. ``message_send`` events carry
``main_model``, ``edit_format``, ``prompt_tokens``, ``completion_tokens``, ``total_tokens``,
``cost`` and the session's ``total_cost``; ``message_send_exception`` carries ``exception``.
aider prices only models it knows, so a cost of 0 next to model calls is read as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from agent_evals.harness.agents.base import AgentRequest
from agent_evals.harness.agents.cli import CliAgent, key_env, litellm_model, read_output_file
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
SEND, FAILURE = "message_send", "message_send_exception"


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
    )


class AiderAgent(CliAgent):
    """aider answering one message, applying edits without asking and without git."""

    name = AGENT
    default_program = ("aider",)

    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """``aider --message=<task> --yes-always --no-git ... --analytics-log FILE``."""
        return [
            *self.program,
            f"--message={request.instruction}",
            "--yes-always",
            "--no-git",
            "--no-check-update",
            "--no-show-model-warnings",
            "--no-pretty",
            "--no-analytics",
            "--analytics-log",
            str(out / ANALYTICS_FILE),
            "--model",
            litellm_model(request),
            *self.spec.args,
        ]

    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """``OPENAI_API_BASE`` and ``OPENAI_API_KEY``, as aider documents for compatible APIs."""
        env = key_env(request.api_key, "OPENAI_API_KEY")
        if request.base_url:
            env["OPENAI_API_BASE"] = request.base_url
        return env

    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """The analytics log aider wrote beside the workspace."""
        return parse_aider(read_output_file(out / ANALYTICS_FILE, "aider analytics log"))


def _cost(sends: list[JsonObject]) -> float | None:
    costs = [float_or_none(p.get("cost")) for p in sends]
    known = [c for c in costs if c is not None]
    if sends and len(known) == len(costs):
        return sum(known) or None
    return (float_or_none(sends[-1].get("total_cost")) or None) if sends else None


def _model(events: list[JsonObject]) -> str | None:
    for event in events:
        model = as_object(event.get("properties")).get("main_model")
        if isinstance(model, str):
            return model
    return None
