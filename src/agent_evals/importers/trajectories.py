"""Agent trajectories: what each task's run cost and how it ended, keyed by task id.

``swe-agent`` (``<instance>.traj``): ``info.model_stats`` {``tokens_sent``,
``tokens_received``, ``api_calls``, ``instance_cost``}, ``info.exit_status`` and
``info.submission``. ``model_stats.total_cost`` is a running total over a whole batch, so it
is never used; ``instance_cost`` is the task's own.
``mini-swe-agent`` (``<instance>.traj.json``): read by the harness's own parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_evals.errors import UsageError
from agent_evals.harness.agents.mini_swe_agent import parse_mini_swe_agent
from agent_evals.harness.agents.report import AgentOutputError
from agent_evals.importers.base import RecordError
from agent_evals.importers.reading import read_text
from agent_evals.importers.values import as_amount, as_count
from agent_evals.records import TokenUsage
from agent_evals.types import RunStatus

SWE_AGENT_SUFFIX = ".traj"
MINI_SUFFIX = ".traj.json"

# SWE-agent exit statuses that end a run without a submission of the model's own
_SWE_AGENT_EXITS: dict[str, RunStatus] = {
    "exit_cost": "limit_exceeded",
    "exit_context": "limit_exceeded",
    "exit_total_execution_time": "timeout",
    "exit_command_timeout": "timeout",
    "exit_format": "agent_error",
    "exit_error": "agent_error",
    "exit_api": "infra_error",
    "exit_environment_error": "infra_error",
}


@dataclass(frozen=True)
class Trajectory:
    """One task's run as its trajectory tells it."""

    task_id: str
    tokens: TokenUsage
    cost_usd: float | None
    api_calls: int | None
    ended: RunStatus | None
    """How the run ended when that alone decides it; ``None`` when a patch was submitted."""
    exit_status: str | None
    submission: str | None


def trajectory_files(paths: list[Path], suffix: str) -> Iterator[Path]:
    """Trajectory files given directly or found (recursively) in given folders, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{suffix}") if _has_suffix(p, suffix))
        else:
            yield path


def task_id_of(path: Path, suffix: str) -> str:
    """The task id a trajectory file is named after (``<instance_id><suffix>``)."""
    name = path.name
    return name[: -len(suffix)] if name.endswith(suffix) else path.stem


def read_swe_agent(path: Path) -> Trajectory:
    """A SWE-agent ``.traj`` file; a malformed one raises ``RecordError``."""
    data = _load(path)
    info = data.get("info") if isinstance(data, dict) else None
    stats = info.get("model_stats") if isinstance(info, dict) else None
    if not isinstance(stats, dict):
        raise RecordError("not a SWE-agent trajectory: no info.model_stats object")
    sent = as_count(stats.get("tokens_sent"), "info.model_stats.tokens_sent")
    received = as_count(stats.get("tokens_received"), "info.model_stats.tokens_received")
    exit_status = info.get("exit_status") if isinstance(info, dict) else None
    submission = info.get("submission") if isinstance(info, dict) else None
    return Trajectory(
        task_id=task_id_of(path, SWE_AGENT_SUFFIX),
        tokens=TokenUsage(input=sent, output=received, source="imported").with_total(),
        cost_usd=as_amount(stats.get("instance_cost"), "info.model_stats.instance_cost"),
        api_calls=as_count(stats.get("api_calls"), "info.model_stats.api_calls"),
        ended=_swe_agent_end(exit_status, submission),
        exit_status=exit_status if isinstance(exit_status, str) else None,
        submission=submission if isinstance(submission, str) else None,
    )


def read_mini_swe_agent(path: Path) -> Trajectory:
    """A mini-swe-agent ``.traj.json`` file, through the harness's parser."""
    try:
        report = parse_mini_swe_agent(read_text(path))
    except AgentOutputError as exc:
        raise RecordError(exc.detail, line=exc.line) from None
    except UsageError as exc:
        raise RecordError(str(exc)) from None
    ended: RunStatus | None = None
    if report.status == "limit_exceeded":
        ended = "limit_exceeded"
    elif report.status == "error":
        ended = "agent_error"
    return Trajectory(
        task_id=task_id_of(path, MINI_SUFFIX),
        tokens=report.tokens,
        cost_usd=report.cost_usd,
        api_calls=report.api_calls,
        ended=ended,
        exit_status=report.error or report.status,
        submission=report.final_message,
    )


def _swe_agent_end(exit_status: Any, submission: Any) -> RunStatus | None:
    if isinstance(submission, str) and submission.strip():
        return None
    if isinstance(exit_status, str):
        for prefix, status in _SWE_AGENT_EXITS.items():
            if exit_status.startswith(prefix):
                return status
    return "unresolved" if exit_status == "submitted" else "agent_error"


def _load(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise RecordError("JSON nested too deeply to read") from None
    except UsageError as exc:
        raise RecordError(str(exc)) from None


def _has_suffix(path: Path, suffix: str) -> bool:
    return path.name.endswith(suffix) and path.is_file()
