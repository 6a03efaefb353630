"""mini-swe-agent: ``mini --task <task> --output traj.json`` saves the run as a trajectory.

The trajectory holds ``info`` {``exit_status``, ``submission``, ``model_stats``
{``instance_cost``, ``api_calls``}, ``config.model.model_name``} and ``messages``; each
assistant message keeps the raw model response in ``extra.response`` (with ``usage``
{``prompt_tokens``, ``completion_tokens``, ``prompt_tokens_details.cached_tokens``}) and its
parsed commands in ``extra.actions``. ``exit_status`` is the name of the exception that ended
the run; :data:`EXIT_STATUSES` maps the known ones. Untracked cost is saved as 0, which is read
as unknown when model calls were made. ``mini`` has no ``--version``: the version is read from
the trajectory's ``info.mini_version``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

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
    AgentStatus,
    JsonObject,
    as_object,
    float_or_none,
    int_or_none,
    load_json_object,
    reported_tokens,
    sum_known,
)
from agent_evals.records import TokenUsage

AGENT = "mini-swe-agent"
TRAJECTORY_FILE = "mini-swe-agent.traj.json"
ACTION_BLOCK = re.compile(r"```(?:mswea_bash_command|bash)\s*\n(.*?)\n```", re.DOTALL)

EXIT_STATUSES: Mapping[str, AgentStatus] = MappingProxyType(
    {
        "Submitted": "finished",
        "LimitsExceeded": "limit_exceeded",
        "TimeExceeded": "limit_exceeded",
    }
)
"""Known ``info.exit_status`` values; any other exception name is an agent error."""


def exit_status_to_agent_status(exit_status: object) -> AgentStatus:
    """``finished`` / ``limit_exceeded`` for known exits, ``error`` for others, else ``unknown``."""
    if not isinstance(exit_status, str) or not exit_status:
        return "unknown"
    return EXIT_STATUSES.get(exit_status, "error")


def parse_mini_swe_agent(text: str) -> AgentReport:
    """Read a mini-swe-agent trajectory (``*.traj.json``) into an :class:`AgentReport`."""
    trajectory = load_json_object(text, "mini-swe-agent trajectory")
    if "info" not in trajectory or "messages" not in trajectory:
        raise AgentOutputError("not a mini-swe-agent trajectory: no 'info' or 'messages'")
    info = as_object(trajectory.get("info"))
    stats = as_object(info.get("model_stats"))
    messages = trajectory.get("messages") or []
    assistant = [m for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
    api_calls = int_or_none(stats.get("api_calls"))
    status = exit_status_to_agent_status(info.get("exit_status"))
    return AgentReport(
        agent=AGENT,
        status=status,
        tokens=_tokens(assistant),
        cost_usd=(float_or_none(stats.get("instance_cost")) or None) if api_calls else None,
        api_calls=api_calls,
        model=_model(info),
        error=_error(info) if status == "error" else None,
        commands=tuple(c for m in assistant for c in _commands(m)),
        final_message=info["submission"] if isinstance(info.get("submission"), str) else None,
        agent_version=str(info["mini_version"]) if info.get("mini_version") else None,
    )


class MiniSweAgent(CliAgent):
    """``mini`` in yolo mode, exiting as soon as the agent submits."""

    name = AGENT
    default_program = ("mini",)
    version_args = ("--help",)

    def version(self) -> str | None:
        """The configured ``agent.version``; otherwise each run reads it from its trajectory."""
        return self.spec.version

    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """``mini --yolo --exit-immediately --task=<task> --output=FILE -c mini.yaml -c ...``."""
        overrides = ["-c", "mini.yaml", "-c", f"agent.step_limit={request.max_turns}"]
        if request.base_url:
            overrides += ["-c", f"model.model_kwargs.api_base={request.base_url}"]
        headers = json.dumps({TASK_HEADER: request.task_id})
        overrides += ["-c", f"model.model_kwargs.extra_headers={headers}"]
        return [
            *self.program,
            "--yolo",
            "--exit-immediately",
            f"--task={request.instruction}",
            f"--model={litellm_model(request)}",
            f"--output={out / TRAJECTORY_FILE}",
            *overrides,
            *self.spec.args,
        ]

    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """Skip the first-run setup, keep running for unpriced models, pass the key."""
        return {
            "MSWEA_CONFIGURED": "true",
            "MSWEA_COST_TRACKING": "ignore_errors",
            "MSWEA_VISUAL_MODE_DEFAULT": "false",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            **key_env(endpoint_key(request), "OPENAI_API_KEY"),
        }

    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """The trajectory mini saved beside the workspace."""
        return parse_mini_swe_agent(read_output_file(out / TRAJECTORY_FILE, "trajectory"))


def _tokens(assistant: list[JsonObject]) -> TokenUsage:
    usages = [
        as_object(as_object(as_object(m.get("extra")).get("response")).get("usage"))
        for m in assistant
    ]

    def total(key: str) -> int | None:
        return sum_known([int_or_none(u.get(key)) for u in usages])

    prompt = total("prompt_tokens")
    cached = sum_known(
        [
            int_or_none(as_object(u.get("prompt_tokens_details")).get("cached_tokens"))
            for u in usages
        ]
    )
    return reported_tokens(
        input=None if prompt is None else prompt - (cached or 0),
        output=total("completion_tokens"),
        cache_read=cached,
    )


def _commands(message: JsonObject) -> list[str]:
    actions = as_object(message.get("extra")).get("actions")
    if isinstance(actions, list):
        return [str(a["command"]) for a in actions if isinstance(a, dict) and "command" in a]
    content = message.get("content")
    return [c.strip() for c in ACTION_BLOCK.findall(content)] if isinstance(content, str) else []


def _model(info: JsonObject) -> str | None:
    name = as_object(as_object(info.get("config")).get("model")).get("model_name")
    return name if isinstance(name, str) else None


def _error(info: JsonObject) -> str:
    detail = info.get("submission")
    status = str(info.get("exit_status"))
    return f"{status}: {detail}" if isinstance(detail, str) and detail.strip() else status
