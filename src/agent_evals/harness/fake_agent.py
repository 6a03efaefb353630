"""A scripted stand-in for a coding agent, for dry runs of a slice and for tests.

It writes scripted files into the workspace and reports scripted usage, so the whole harness
(workspaces, measuring, verify, review, store) runs without a model or an agent CLI.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agent_evals.errors import UpstreamError
from agent_evals.harness.agents.base import AgentRequest, AgentResult
from agent_evals.records import TokenUsage

ANY = "*"


@dataclass(frozen=True)
class FakeStep:
    """What the fake agent does on one task: files to write (``None`` deletes) and a result."""

    files: Mapping[str, str | None] = field(default_factory=dict)
    tokens: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float | None = None
    api_calls: int | None = None
    delay_s: float = 0.0
    exit_code: int | None = 0
    error: str | None = None
    timed_out: bool = False
    limit_exceeded: bool = False
    commands_run: tuple[str, ...] = ()
    unreachable_times: int = 0


Script = Mapping[str, Mapping[str, FakeStep]]


class FakeAgent:
    """An agent adapter that follows a script keyed by model, then task id (``*`` matches any)."""

    name = "fake"

    def __init__(
        self, script: Script | None = None, *, default: FakeStep | None = None, version: str = "1"
    ) -> None:
        self.script: Script = script or {}
        self.default = default or FakeStep()
        self._version = version
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()
        self.requests: list[AgentRequest] = []

    def version(self) -> str | None:
        """The scripted version."""
        return self._version

    def step_for(self, model: str, task_id: str) -> FakeStep:
        """The scripted step for a model and a task."""
        for model_key in (model, ANY):
            tasks = self.script.get(model_key, {})
            for task_key in (task_id, ANY):
                if task_key in tasks:
                    return tasks[task_key]
        return self.default

    def run(self, request: AgentRequest) -> AgentResult:
        """Apply the scripted step to the workspace and report its scripted result."""
        step = self.step_for(request.model, request.task_id)
        with self._lock:
            self.requests.append(request)
            self._calls[(request.model, request.task_id)] += 1
            calls = self._calls[(request.model, request.task_id)]
        if calls <= step.unreachable_times:
            raise UpstreamError(f"model endpoint {request.base_url} unreachable (scripted)")
        if step.delay_s:
            time.sleep(step.delay_s)
        _apply(request.workspace, step.files)
        return AgentResult(
            exit_code=step.exit_code,
            tokens=step.tokens,
            cost_usd=step.cost_usd,
            api_calls=step.api_calls,
            timed_out=step.timed_out,
            limit_exceeded=step.limit_exceeded,
            error=step.error,
            commands_run=step.commands_run,
        )


def _apply(workspace: Path, files: Mapping[str, str | None]) -> None:
    for rel, content in files.items():
        path = workspace / rel
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
