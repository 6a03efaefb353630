"""Reading task folders (``task.yaml`` or Harbor's ``task.toml``) into loaded tasks."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from agent_evals.errors import TaskError
from agent_evals.tasks.folders import HARBOR_FILE, TASK_FILE, confined, read_instruction
from agent_evals.tasks.harbor import load_harbor_task
from agent_evals.tasks.hashing import task_hash
from agent_evals.tasks.models import Policy, Task, TaskSpec
from agent_evals.tasks.repo_policy import git_policy, snapshot_policy
from agent_evals.validation import load_yaml, validate_model, yaml_syntax_error

M = TypeVar("M", bound=BaseModel)


def load_task(directory: str | Path) -> Task:
    """Load one task folder, in our format or Harbor's; raises ``TaskError`` naming the fix."""
    directory = Path(directory).resolve()
    if (directory / TASK_FILE).is_file():
        return _load_own(directory)
    if (directory / HARBOR_FILE).is_file():
        return load_harbor_task(directory)
    raise TaskError(
        f"{directory}: not a task folder; add a {TASK_FILE} (or a Harbor {HARBOR_FILE})"
    )


def _load_own(directory: Path) -> Task:
    path = directory / TASK_FILE
    spec = parse_model(TaskSpec, _read_yaml(confined(directory, path, TASK_FILE)), path)
    snapshot, git_repo, commit = _repo_source(directory, spec, path)
    # Hashed first: the walk refuses links out of the folder and FIFOs before any is read.
    content_hash = task_hash(directory, snapshot, commit and tree_id(git_repo, commit))
    instruction = spec.instruction
    if instruction is None:
        instruction = read_instruction(directory, path)
    policy = Policy.from_spec(spec.policy)
    if spec.policy.repo_instructions:
        if snapshot is not None:
            policy = policy.merged(snapshot_policy(snapshot))
        elif git_repo is not None and commit is not None:
            policy = policy.merged(git_policy(git_repo, commit))
    return Task(
        id=spec.id or directory.name,
        directory=directory,
        instruction=instruction,
        verify_command=spec.verify.command,
        content_hash=content_hash,
        snapshot=snapshot,
        git_repo=git_repo,
        commit=commit,
        scope=spec.scope,
        policy=policy,
        risk=spec.risk,
        agent_timeout_s=spec.timeouts.agent_seconds,
        verify_timeout_s=spec.verify.timeout_seconds or spec.timeouts.verify_seconds,
        lint_command=spec.review.lint_command,
        source_commit=spec.source.commit if spec.source else None,
        source_date=spec.source.date if spec.source else None,
    )


def _repo_source(
    directory: Path, spec: TaskSpec, where: Path
) -> tuple[Path | None, Path | None, str | None]:
    if spec.repo.git is not None:
        repo = (directory / spec.repo.git).resolve()
        return None, repo, resolve_commit(repo, spec.repo.commit or "HEAD", where)
    snapshot = confined(directory, directory / (spec.repo.path or "repo"), "repo.path")
    if snapshot.is_dir():
        return snapshot, None, None
    if spec.repo.path is not None:
        raise TaskError(f"{where}: repo.path: folder {snapshot} does not exist; create it")
    return None, None, None


def resolve_commit(repo: Path, commit: str, where: Path) -> str:
    """The full id of a commit in a git repository."""
    out = _git(repo, "rev-parse", "--verify", f"{commit}^{{commit}}")
    if out is None:
        raise TaskError(
            f"{where}: repo: commit {commit!r} not found in git repository {repo}; "
            "check repo.git and repo.commit"
        )
    return out


def tree_id(repo: Path | None, commit: str) -> str:
    """The id of a commit's tree: it changes exactly when the files change."""
    out = _git(repo or Path("."), "rev-parse", f"{commit}^{{tree}}")
    return out or commit


def _git(repo: Path, *args: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _read_yaml(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaskError(yaml_syntax_error(exc, str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskError(f"{path}: cannot read the task file: {exc}") from None


def parse_model(model: type[M], data: Any, where: Path) -> M:
    """Validate ``data`` as ``model``; errors name the file, the key, the value and the fix."""
    if not isinstance(data, dict):
        raise TaskError(f"{where}: expected a mapping of task keys")
    return validate_model(model, data, str(where), TaskError)
