"""Tasks and slices: the task file format, Harbor task folders, content hashes, slice locks."""

from agent_evals.tasks.globs import glob_match, match_any
from agent_evals.tasks.loading import load_task
from agent_evals.tasks.models import Policy, Slice, Task, TaskSpec
from agent_evals.tasks.slices import (
    LOCK_FILE,
    config_slice_names,
    load_config_slice,
    load_slice,
    lock_drift,
    read_lock,
    slice_path,
    write_lock,
)

__all__ = [
    "LOCK_FILE",
    "Policy",
    "Slice",
    "Task",
    "TaskSpec",
    "config_slice_names",
    "glob_match",
    "load_config_slice",
    "load_slice",
    "load_task",
    "lock_drift",
    "match_any",
    "read_lock",
    "slice_path",
    "write_lock",
]
