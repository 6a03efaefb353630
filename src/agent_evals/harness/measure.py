"""Measuring a run from outside the agent: its diff, its scope and the verify command."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass

from agent_evals.harness.agents.process import run_process
from agent_evals.harness.patch import unquote_path
from agent_evals.harness.workspace import Workspace, git
from agent_evals.records import DiffStats
from agent_evals.tasks import Task, match_any

DEFAULT_VERIFY_TIMEOUT_S = 600.0
_DIFF = ("diff", "--cached", "--no-renames", "--no-ext-diff", "--no-textconv", "--no-color")


@dataclass(frozen=True)
class FileChange:
    """One changed path; line counts are ``None`` for binary files."""

    path: str
    added: int | None
    removed: int | None


@dataclass(frozen=True)
class DiffMeasure:
    """Everything a run changed against its base commit, and the patch itself."""

    files: tuple[FileChange, ...]
    patch: str

    @property
    def paths(self) -> tuple[str, ...]:
        """The changed paths, sorted."""
        return tuple(f.path for f in self.files)

    @property
    def stats(self) -> DiffStats:
        """Files changed and lines added and removed."""
        return DiffStats(
            len(self.files),
            sum(f.added or 0 for f in self.files),
            sum(f.removed or 0 for f in self.files),
        )


def measure_diff(workspace: Workspace, ignore: tuple[str, ...] = ()) -> DiffMeasure:
    """Stage everything and diff it against the base, so new and deleted files count too.

    Paths matching an ``ignore`` glob (the agent's own state files, such as its chat history)
    are left unstaged, so they are in neither the diff, the scope check nor the review.
    """
    excluded = [f":(exclude,glob){pattern}" for pattern in ignore]
    git(workspace.path, "add", "-A", "--", ".", *excluded)
    # One process prints both: the numstat lines, a blank line, then the patch.
    output = git(workspace.path, *_DIFF, "--numstat", "-p", "-U0", workspace.base)
    numstat, _, patch = output.partition("\n\n")
    return DiffMeasure(tuple(_parse_numstat(numstat)), patch)


def _parse_numstat(text: str) -> list[FileChange]:
    changes = []
    for line in text.splitlines():
        added, removed, path = line.split("\t", 2)
        changes.append(
            FileChange(
                unquote_path(path),
                None if added == "-" else int(added),
                None if removed == "-" else int(removed),
            )
        )
    return sorted(changes, key=lambda c: c.path)


def out_of_scope(paths: tuple[str, ...], scope: tuple[str, ...]) -> tuple[str, ...]:
    """Changed paths outside every scope glob (none when the task sets no scope)."""
    if not scope:
        return ()
    return tuple(p for p in paths if not match_any(scope, p))


@dataclass(frozen=True)
class VerifyOutcome:
    """The verify command's result: its exit code alone decides ``passed``."""

    passed: bool
    exit_code: int | None
    timed_out: bool
    could_not_start: bool
    output_tail: str


def run_verify(
    task: Task,
    workspace: Workspace,
    default_timeout_s: float | None,
    run_env: Mapping[str, str] | None = None,
) -> VerifyOutcome:
    """Run the task's verify command in the workspace (never through a shell).

    It sees the harness's allow-listed environment plus ``run_env``, never its secrets.
    """
    if task.verify_files is not None:
        shutil.copytree(task.verify_files, workspace.path / "tests", dirs_exist_ok=True)
    timeout = task.verify_timeout_s or default_timeout_s or DEFAULT_VERIFY_TIMEOUT_S
    env = dict(run_env or {})
    if task.verify_files:
        env["TEST_DIR"] = str(workspace.path / "tests")
    outcome = run_process(task.verify_command, cwd=workspace.path, timeout_s=timeout, env=env)
    could_not_start = outcome.exit_code is None and not outcome.timed_out
    return VerifyOutcome(
        passed=outcome.exit_code == 0,
        exit_code=outcome.exit_code,
        timed_out=outcome.timed_out,
        could_not_start=could_not_start,
        output_tail=(outcome.stdout + outcome.stderr)[-2000:],
    )
