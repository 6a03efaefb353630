"""Harbor task folders: ``instruction.md``, ``task.toml``, ``environment/``, ``tests/test.sh``.

The workspace is the task's ``repo/`` folder when it has one, else its ``environment/`` folder
(the files the container image would hold) without the container recipe itself. The task's
``tests/`` folder is copied into the workspace only after the agent finished, and
``bash tests/test.sh`` decides by its exit code alone.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent_evals.errors import TaskError
from agent_evals.tasks.folders import HARBOR_FILE, confined, read_instruction
from agent_evals.tasks.hashing import task_hash
from agent_evals.tasks.models import Policy, Task
from agent_evals.tasks.repo_policy import snapshot_policy
from agent_evals.types import RISKS, Risk
from agent_evals.validation import validate_model

VERIFY_COMMAND = ("bash", "tests/test.sh")
CONTAINER_FILES = ("Dockerfile", "docker-compose.yaml", "docker-compose.yml", ".dockerignore")


class _Phase(BaseModel):
    # Harbor ignores keys it does not know, so a Harbor file is read the same way.
    model_config = ConfigDict(extra="ignore", frozen=True)

    timeout_sec: float | None = Field(default=None, gt=0)


class _HarborToml(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    metadata: dict[str, Any] = Field(default_factory=dict)
    verifier: _Phase = _Phase()
    agent: _Phase = _Phase()


def load_harbor_task(directory: Path) -> Task:
    """Load a Harbor task folder as a task of this harness."""
    path = directory / HARBOR_FILE
    config = _read(confined(directory, path, HARBOR_FILE))
    tests = confined(directory, directory / "tests", "tests/")
    if not (tests / "test.sh").is_file():
        raise TaskError(f"{directory}: a Harbor task needs tests/test.sh (its verifier)")
    snapshot, exclude = _workspace_source(directory)
    # Hashed first: the walk refuses links out of the folder and FIFOs before any is read.
    content_hash = task_hash(directory, snapshot)
    policy = snapshot_policy(snapshot) if snapshot is not None else Policy()
    scope = config.metadata.get("scope", ())
    return Task(
        id=directory.name,
        directory=directory,
        instruction=read_instruction(directory, path),
        verify_command=VERIFY_COMMAND,
        content_hash=content_hash,
        snapshot=snapshot,
        exclude=exclude,
        verify_files=directory / "tests",
        scope=tuple(str(s) for s in scope) if isinstance(scope, list) else (),
        policy=policy,
        risk=_risk(config.metadata.get("risk"), path),
        agent_timeout_s=config.agent.timeout_sec,
        verify_timeout_s=config.verifier.timeout_sec,
        format="harbor",
        metadata=config.metadata,
    )


def _read(path: Path) -> _HarborToml:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TaskError(f"{path}: TOML syntax error: {exc}; fix the TOML") from None
    except UnicodeDecodeError as exc:
        raise TaskError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    return validate_model(_HarborToml, data, str(path), TaskError)


def _workspace_source(directory: Path) -> tuple[Path | None, tuple[str, ...]]:
    for name, exclude in (("repo", ()), ("environment", CONTAINER_FILES)):
        folder = directory / name
        if folder.is_dir():
            return confined(directory, folder, f"{name}/"), exclude
    return None, ()


def _risk(value: Any, where: Path) -> Risk:
    if value is None:
        return "low"
    for risk in RISKS:
        if value == risk:
            return risk
    raise TaskError(f"{where}: metadata.risk: {value!r} is not allowed; use one of {RISKS}")
