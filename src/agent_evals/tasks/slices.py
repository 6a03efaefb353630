"""Slices: folders of task folders, where the config puts them, and their lock files."""

from __future__ import annotations

import json
from pathlib import Path

from agent_evals.config import LoadedConfig
from agent_evals.errors import TaskError, UsageError
from agent_evals.tasks.folders import is_task_folder
from agent_evals.tasks.loading import load_task
from agent_evals.tasks.models import Slice

LOCK_FILE = "slice.lock"


def slice_path(loaded: LoadedConfig, name: str) -> Path:
    """A slice's folder: ``slices.<name>.path`` relative to the config, else ``slices/<name>``."""
    spec = loaded.config.slice_spec(name)
    return loaded.base_dir / (spec.path or f"slices/{name}")


def load_slice(directory: str | Path, name: str | None = None) -> Slice:
    """Load every task folder of a slice folder, sorted by task id."""
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise TaskError(
            f"slice folder {directory} does not exist; create it with one folder per task, "
            "or set slices.<name>.path in the config"
        )
    tasks = [load_task(p) for p in sorted(directory.iterdir()) if p.is_dir() and is_task_folder(p)]
    if not tasks:
        raise TaskError(f"slice folder {directory} holds no task folders (each needs a task.yaml)")
    seen: dict[str, Path] = {}
    for task in tasks:
        if task.id in seen:
            raise TaskError(
                f"task id {task.id!r} is used by both {seen[task.id]} and {task.directory}; "
                "give each task a unique id"
            )
        seen[task.id] = task.directory
    return Slice(name or directory.name, directory, tuple(sorted(tasks, key=lambda t: t.id)))


def load_config_slice(loaded: LoadedConfig, name: str) -> Slice:
    """Load a slice named in the config (or present in the slices folder)."""
    return load_slice(slice_path(loaded, name), name)


def config_slice_names(loaded: LoadedConfig, name: str | None) -> list[str]:
    """The slice asked for, or every slice of ``release.evalSlices`` and ``slices``."""
    if name is not None:
        return [name]
    release = loaded.config.release
    return list(dict.fromkeys([*release.eval_slices, *loaded.config.slices]))


def write_lock(slice_: Slice) -> Path:
    """Write ``<slice>/slice.lock``: each task id with its content hash."""
    path = slice_.directory / LOCK_FILE
    path.write_text(json.dumps(slice_.hashes, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_lock(slice_: Slice) -> dict[str, str] | None:
    """The hashes in a slice's lock file, or ``None`` when it has none."""
    path = slice_.directory / LOCK_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"{path}: unreadable lock file ({exc}); rewrite it with 'slice lock'"
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UsageError(f"{path}: expected a JSON object of task id -> hash; run 'slice lock'")
    return {str(k): v for k, v in data.items()}


def lock_drift(slice_: Slice, lock: dict[str, str]) -> list[str]:
    """One message per task whose hash differs from the lock, or that is new or gone."""
    messages = []
    for task_id, digest in slice_.hashes.items():
        if task_id not in lock:
            messages.append(f"task {task_id!r} of slice {slice_.name!r} is not in {LOCK_FILE}")
        elif lock[task_id] != digest:
            messages.append(
                f"task {task_id!r} of slice {slice_.name!r} changed since {LOCK_FILE} was written"
            )
    messages += [
        f"task {task_id!r} is in {LOCK_FILE} of slice {slice_.name!r} but its folder is gone"
        for task_id in sorted(set(lock) - set(slice_.hashes))
    ]
    return messages
