"""The task file format (``task.yaml``, camelCase keys) and the loaded task it becomes."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from agent_evals.types import Risk
from agent_evals.validation import Number

TaskFormat = Literal["agent-evals", "harbor"]
# Finite and at most a week: `.inf` would pass as a timeout and then fail every run.
Seconds = Annotated[Number, Field(gt=0, le=7 * 24 * 3600)]


class SpecModel(BaseModel):
    """Base of the task file sections: camelCase keys, unknown keys rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


def _argv(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(shlex.split(value))
    return value


class RepoSpec(SpecModel):
    """Where the task's repository comes from: a snapshot folder, or a git repo at a commit."""

    path: str | None = None
    git: str | None = None
    commit: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> RepoSpec:
        if self.path is not None and self.git is not None:
            raise ValueError("give either repo.path (a snapshot folder) or repo.git, not both")
        if self.commit is not None and self.git is None:
            raise ValueError("repo.commit needs repo.git (the repository the commit is in)")
        return self


class VerifySpec(SpecModel):
    """The command whose exit code alone decides whether the task is solved."""

    command: tuple[str, ...] = Field(min_length=1)
    timeout_seconds: Seconds | None = None

    @field_validator("command", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _argv(value)


class PolicySpec(SpecModel):
    """Policy rules of a task (and of a repository's AGENTS.md block)."""

    forbidden_paths: tuple[str, ...] = ()
    max_files_changed: Annotated[int, Field(ge=0)] | None = None
    no_dependency_changes: bool = False
    required_test_command: str | None = None
    repo_instructions: bool = True


class TimeoutsSpec(SpecModel):
    """Per-task time limits."""

    agent_seconds: Seconds | None = None
    verify_seconds: Seconds | None = None


class ReviewSpec(SpecModel):
    """Settings of the automatic reviewer for this task."""

    lint_command: tuple[str, ...] | None = None

    @field_validator("lint_command", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _argv(value)


class SourceSpec(SpecModel):
    """The change a harvested task replays (``slice harvest``): its commit and date."""

    commit: str = Field(min_length=7)
    date: datetime | None = None
    repository: str | None = None
    kind: str | None = None


class TaskSpec(SpecModel):
    """One ``task.yaml`` file."""

    id: str | None = Field(default=None, min_length=1)
    instruction: str | None = None
    repo: RepoSpec = RepoSpec()
    verify: VerifySpec
    scope: tuple[str, ...] = ()
    policy: PolicySpec = PolicySpec()
    risk: Risk = "low"
    timeouts: TimeoutsSpec = TimeoutsSpec()
    review: ReviewSpec = ReviewSpec()
    source: SourceSpec | None = None


@dataclass(frozen=True)
class Policy:
    """The effective policy of a task: its own rules merged with the repository's."""

    forbidden_paths: tuple[str, ...] = ()
    max_files_changed: int | None = None
    no_dependency_changes: bool = False
    required_test_command: str | None = None

    @classmethod
    def from_spec(cls, spec: PolicySpec) -> Policy:
        """The policy a spec describes."""
        return cls(
            spec.forbidden_paths,
            spec.max_files_changed,
            spec.no_dependency_changes,
            spec.required_test_command,
        )

    def merged(self, other: Policy) -> Policy:
        """Both policies at once: the stricter value of each rule."""
        limits = [v for v in (self.max_files_changed, other.max_files_changed) if v is not None]
        return Policy(
            tuple(dict.fromkeys(self.forbidden_paths + other.forbidden_paths)),
            min(limits) if limits else None,
            self.no_dependency_changes or other.no_dependency_changes,
            self.required_test_command or other.required_test_command,
        )


@dataclass(frozen=True)
class Task:
    """A loaded task, ready to replay; ``content_hash`` pins the exact version."""

    id: str
    directory: Path
    instruction: str
    verify_command: tuple[str, ...]
    content_hash: str
    snapshot: Path | None = None
    git_repo: Path | None = None
    commit: str | None = None
    exclude: tuple[str, ...] = ()
    verify_files: Path | None = None
    scope: tuple[str, ...] = ()
    policy: Policy = Policy()
    risk: Risk = "low"
    agent_timeout_s: float | None = None
    verify_timeout_s: float | None = None
    lint_command: tuple[str, ...] | None = None
    format: TaskFormat = "agent-evals"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source_commit: str | None = None
    source_date: datetime | None = None


@dataclass(frozen=True)
class Slice:
    """A named set of tasks, sorted by id."""

    name: str
    directory: Path
    tasks: tuple[Task, ...]

    def task(self, task_id: str) -> Task:
        """The task with this id."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)

    @property
    def hashes(self) -> dict[str, str]:
        """Content hash of each task, by id."""
        return {t.id: t.content_hash for t in self.tasks}
