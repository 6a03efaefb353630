"""The bundled example's source: its repositories, its tasks and what each lane's model does.

Package data under ``data/``:

- ``repos/<name>.yaml``: a small Python repository as ``files: {path: content}``;
  ``common.yaml`` is merged into every repository.
- ``slices/<slice>/lanes.yaml``: per task, its repository and, per lane, the tokens the model
  spends and the summary it finishes with.
- ``slices/<slice>/<task>/task.yaml``: the task file, written as it is.
- ``slices/<slice>/<task>/setup.patch``: turns the repository into the task's starting snapshot.
- ``slices/<slice>/<task>/<lane>.patch``: the change that lane's model writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from agent_evals.example.patches import apply_patch
from agent_evals.types import LANES, Lane
from agent_evals.validation import load_yaml

SLICES = (
    "repo-onboarding",
    "bugfix-small",
    "refactor-medium",
    "test-generation",
    "migration-risky",
)
COMMON_REPO = "common"


def data_root() -> Traversable:
    """The folder of the example's package data."""
    return resources.files("agent_evals.example") / "data"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LaneIn(_Strict):
    tokens: Annotated[int, Field(gt=0)]
    summary: str = Field(min_length=1)


class _TaskIn(_Strict):
    repo: str
    incumbent: _LaneIn
    candidate: _LaneIn


class _SliceIn(_Strict):
    tasks: dict[str, _TaskIn]


@dataclass(frozen=True)
class LaneWork:
    """What one lane's model does on a task: the files it writes and the tokens it spends."""

    tokens: int
    summary: str
    writes: tuple[tuple[str, str], ...]
    reads: tuple[str, ...]


@dataclass(frozen=True)
class ExampleTask:
    """One task of the example with its starting files and both lanes' work."""

    slice: str
    id: str
    repo: str
    task_yaml: str
    files: Mapping[str, str]
    lanes: Mapping[Lane, LaneWork]


@cache
def repository(name: str) -> Mapping[str, str]:
    """A bundled repository's files (the common files included), by relative path."""
    files: dict[str, str] = {}
    for part in (COMMON_REPO, name):
        data = load_yaml((data_root() / "repos" / f"{part}.yaml").read_text("utf-8"))
        files.update(data["files"])
    return files


def _read_optional(folder: Traversable, name: str) -> str:
    path = folder / name
    return path.read_text("utf-8") if path.is_file() else ""


def _task(slice_name: str, task_id: str, plan: _TaskIn) -> ExampleTask:
    folder = data_root() / "slices" / slice_name / task_id
    base = repository(plan.repo)
    files = {**base, **apply_patch(base, _read_optional(folder, "setup.patch"))}
    lanes = {}
    for lane in LANES:
        lane_plan: _LaneIn = getattr(plan, lane)
        writes = apply_patch(files, _read_optional(folder, f"{lane}.patch"))
        lanes[lane] = LaneWork(
            tokens=lane_plan.tokens,
            summary=lane_plan.summary,
            writes=tuple(writes.items()),
            reads=tuple(path for path in writes if path in files),
        )
    task_yaml = (folder / "task.yaml").read_text("utf-8")
    return ExampleTask(slice_name, task_id, plan.repo, task_yaml, files, lanes)


@cache
def example_tasks() -> tuple[ExampleTask, ...]:
    """Every task of the example, slice by slice in the order of ``SLICES``."""
    tasks = []
    for slice_name in SLICES:
        text = (data_root() / "slices" / slice_name / "lanes.yaml").read_text("utf-8")
        plan = _SliceIn.model_validate(load_yaml(text))
        tasks += [_task(slice_name, task_id, p) for task_id, p in plan.tasks.items()]
    return tuple(tasks)
