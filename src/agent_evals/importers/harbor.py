"""``harbor``: Harbor job folders, one ``result.json`` per trial.

A trial result holds ``task_name``, ``trial_name``, ``agent_info`` {``name``, ``version``},
``agent_result`` {``n_input_tokens`` (cache included), ``n_cache_tokens``,
``n_output_tokens``, ``cost_usd``}, ``verifier_result`` {``rewards`` {``reward``}},
``exception_info`` {``exception_type``, ``exception_message``}, ``started_at`` and
``finished_at``; a multi-step trial has no ``agent_result`` of its own but ``step_results``,
each with its ``agent_result`` and ``exception_info``, and its tokens are their sum. A reward
from ``--score-threshold`` (default 1) up is resolved. An exception of the environment, the
sandbox, the verifier or the provider (rate limit, connection, auth) is ``infra_error``; an
exhausted context or output window is ``limit_exceeded``. Repeated trials of a task become its
epochs, in the order they started. The job's own ``result.json`` (no ``trial_name``) is not a
trial.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from agent_evals.errors import UsageError
from agent_evals.importers.base import (
    BadRecord,
    ImportOptions,
    ImportUnit,
    RecordError,
    imported_run,
    record_unit,
    reject_options,
)
from agent_evals.importers.reading import read_text
from agent_evals.importers.registry import register
from agent_evals.importers.slicing import SliceOf, slice_rule
from agent_evals.importers.values import as_amount, as_count, as_text, as_time
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.types import RunStatus

# exception types of the harness, its sandbox and the provider, not of the agent's work
_INFRA_PREFIXES = (
    "Environment", "Verifier", "RewardFile", "AgentSetup", "Docker", "Cancelled", "Sandbox",
    "Daytona", "Modal", "Healthcheck", "Image", "Build",
)  # fmt: skip
_INFRA_NAMES = (
    "RateLimit", "APIConnection", "ServiceUnavailable", "InternalServerError", "Authentication",
    "PermissionDenied", "Sandbox", "Overloaded",
)  # fmt: skip
# what Harbor's environments say when a generic error is theirs (Docker raises RuntimeError)
_INFRA_MESSAGES = ("docker compose command failed", "sandbox", "image build", "failed to build")
_USAGE_KEYS = ("n_input_tokens", "n_cache_tokens", "n_output_tokens", "cost_usd")
_EXCEPTIONS: dict[str, RunStatus] = {
    "AgentTimeoutError": "timeout",
    "ContextLengthExceededError": "limit_exceeded",
    "ContextWindowExceededError": "limit_exceeded",
    "OutputLengthExceededError": "limit_exceeded",
}


@dataclass(frozen=True)
class _Trial:
    path: Path
    data: Mapping[str, Any]
    started: datetime | None


@register("harbor")
def import_harbor(paths: Sequence[Path], options: ImportOptions) -> Iterator[ImportUnit]:
    """One unit per job folder (or per trial result.json given directly)."""
    reject_options(options, "harbor", "predictions", "results", "trajs", "fields")
    slice_of = slice_rule(options)
    for path in paths:
        yield record_unit(str(path), _runs(path, options, slice_of))


def _runs(path: Path, options: ImportOptions, slice_of: SliceOf) -> Iterator[RunRecord | BadRecord]:
    trials: dict[str, list[_Trial]] = {}
    files = sorted(path.rglob("result.json")) if path.is_dir() else [path]
    for file in files:
        try:
            data = _load(file)
            if "trial_name" not in data:
                continue  # the job's summary
            task = as_text(data.get("task_name"), "task_name")
            started = as_time(data.get("started_at"), "started_at")
            trials.setdefault(task, []).append(_Trial(file, data, started))
        except RecordError as exc:
            yield BadRecord(f"{file}:{exc.line}" if exc.line else str(file), str(exc))
    for task, attempts in trials.items():
        attempts.sort(key=lambda t: (t.started is None, t.started or 0, str(t.data["trial_name"])))
        for epoch, trial in enumerate(attempts):
            try:
                yield _run(task, epoch, trial, options, slice_of)
            except RecordError as exc:
                yield BadRecord(str(trial.path), str(exc))


def _run(
    task: str, epoch: int, trial: _Trial, options: ImportOptions, slice_of: SliceOf
) -> RunRecord:
    data = trial.data
    status, detail = _status(data, options.score_threshold)
    info = data.get("agent_info")
    agent: Mapping[str, Any] = info if isinstance(info, dict) else {}
    ended = as_time(data.get("finished_at"), "finished_at")
    tokens, cost = _usage(data)
    return imported_run(
        options,
        task,
        status,
        slice=slice_of(task, data),
        epoch=epoch,
        tokens=tokens,
        cost_usd=cost,
        latency_s=(ended - trial.started).total_seconds() if ended and trial.started else None,
        started_at=trial.started,
        ended_at=ended,
        detail=detail,
        agent=agent.get("name") if isinstance(agent.get("name"), str) else "harbor",
        agent_version=agent.get("version") if isinstance(agent.get("version"), str) else None,
    )


def _status(data: Mapping[str, Any], threshold: float) -> tuple[RunStatus, str | None]:
    verifier = data.get("verifier_result")
    rewards = verifier.get("rewards") if isinstance(verifier, dict) else None
    reward = as_amount(
        rewards.get("reward") if isinstance(rewards, dict) else None,
        "verifier_result.rewards.reward",
    )
    if reward is not None and reward >= threshold:
        return "resolved", None
    error = _exception(data)
    if error is not None:
        kind = str(error.get("exception_type") or "Exception")
        message = f"{kind}: {error.get('exception_message') or ''}".strip(": ")
        return _exception_status(kind, message), message
    if reward is None:
        return "missing", "not verified"
    return "unresolved", None


def _exception(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The trial's exception, else the first of its steps'."""
    error = data.get("exception_info")
    if isinstance(error, dict):
        return error
    for step in _steps(data):
        if isinstance(step.get("exception_info"), dict):
            return step["exception_info"]  # type: ignore[no-any-return]
    return None


def _exception_status(kind: str, message: str) -> RunStatus:
    if kind in _EXCEPTIONS:
        return _EXCEPTIONS[kind]
    if kind.startswith(_INFRA_PREFIXES) or any(name in kind for name in _INFRA_NAMES):
        return "infra_error"
    if any(text in message.lower() for text in _INFRA_MESSAGES):
        return "infra_error"
    return "agent_error"


def _steps(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    steps = data.get("step_results")
    return [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []


def _usage(data: Mapping[str, Any]) -> tuple[TokenUsage, float | None]:
    """The trial's usage, or the sum over its steps (a multi-step trial has none of its own)."""
    result = data.get("agent_result")
    if isinstance(result, dict):
        contexts: list[tuple[str, Mapping[str, Any]]] = [("agent_result", result)]
    else:
        contexts = [
            (f"step_results[{i}].agent_result", step["agent_result"])
            for i, step in enumerate(_steps(data))
            if isinstance(step.get("agent_result"), dict)
        ]
    if not contexts:
        return TokenUsage(), None
    sums: dict[str, float | None] = dict.fromkeys(_USAGE_KEYS)
    for where, context in contexts:
        for key in _USAGE_KEYS:
            read = as_amount if key == "cost_usd" else as_count
            value = read(context.get(key), f"{where}.{key}")
            if value is not None:
                sums[key] = (sums[key] or 0) + value
    prompt, cached, output, cost = (sums[key] for key in _USAGE_KEYS)
    # Harbor counts cached tokens inside the input; stored parts are disjoint
    fresh = prompt - cached if prompt is not None and cached is not None else prompt
    tokens = TokenUsage(_whole(fresh), _whole(output), _whole(cached), None).with_total()
    return tokens, cost


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise RecordError(f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise RecordError("JSON nested too deeply to read") from None
    except UsageError as exc:
        raise RecordError(str(exc)) from None
    if not isinstance(data, dict):
        raise RecordError("a trial result must be a JSON object")
    return data
