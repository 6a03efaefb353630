"""The agent adapter seam: what the runner hands an agent and what it gets back."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from agent_evals.records import TokenUsage


@dataclass(frozen=True)
class AgentRequest:
    """One task for one agent run, in its own workspace."""

    task_id: str
    instruction: str
    workspace: Path
    model: str
    base_url: str | None = None
    api_key: str | None = None
    timeout_s: float = 600.0
    max_turns: int = 30
    env: Mapping[str, str] = field(default_factory=dict)
    log_dir: Path | None = None


@dataclass(frozen=True)
class AgentResult:
    """What an agent run reported about itself; the harness measures everything else.

    ``infra_error`` marks a failure outside the model (the agent could not start, reach its
    endpoint or pass its own auth or config check); ``error`` then says which, with the
    agent's stderr tail. ``agent_version`` is the version the run itself recorded, if any.
    """

    exit_code: int | None
    tokens: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float | None = None
    api_calls: int | None = None
    timed_out: bool = False
    limit_exceeded: bool = False
    error: str | None = None
    commands_run: tuple[str, ...] = ()
    output_tail: str = ""
    infra_error: bool = False
    agent_version: str | None = None


def scratch_dir(request: AgentRequest, prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder beside the workspace, for the agent's own files.

    Beside it means in the replay's own folder, so a replay killed before it could clean up
    leaves nothing elsewhere: the next replay removes that folder whole.
    """
    return tempfile.TemporaryDirectory(prefix=prefix, dir=request.workspace.parent)


def state_files(adapter: object) -> tuple[str, ...]:
    """Globs of the files an agent keeps in the workspace for itself (history, caches).

    They are the agent's, not the model's work: the harness leaves them out of the diff, the
    scope check and the review. Adapters without such files declare none.
    """
    files = getattr(adapter, "state_files", ())
    return tuple(str(glob) for glob in files)


class AgentAdapter(Protocol):
    """Runs one coding agent on one task; registered by ``name``."""

    name: str

    def version(self) -> str | None:
        """The agent's version, stored with every run (``None`` when unknown)."""
        ...

    def run(self, request: AgentRequest) -> AgentResult:
        """Run the agent to completion or timeout; never raises for agent failures."""
        ...
