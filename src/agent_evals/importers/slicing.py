"""Which slice an imported run belongs to: one name, or derived per task."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from agent_evals.errors import UsageError
from agent_evals.importers.base import DEFAULT_SLICE, ImportOptions, RecordError
from agent_evals.importers.values import shown

# SWE-bench style instance ids: owner__repo-123
_REPO_ID = re.compile(r"^(?P<owner>[^/_][^/]*?)__(?P<repo>.+)-\d+$")
_PREFIX_END = re.compile(r"/|:|__")

SliceOf = Callable[[str, Mapping[str, Any] | None], str]


def slice_rule(options: ImportOptions, *, own_field: str | None = None) -> SliceOf:
    """How to name each run's slice: ``--slice``, ``--slice-by``, the record's own field.

    ``own_field`` is the record field a format reads the slice from when none is given.
    """
    if options.slice and options.slice_by:
        raise UsageError("give either --slice or --slice-by, not both")
    if options.slice:
        fixed = options.slice
        return lambda _task, _record: fixed
    if options.slice_by == "repo":
        return lambda task, _record: repo_of(task)
    if options.slice_by == "prefix":
        return lambda task, _record: prefix_of(task)
    if options.slice_by:
        return _by_field(options.slice_by)
    if own_field:
        return _by_field(own_field, default=DEFAULT_SLICE)
    return lambda _task, _record: DEFAULT_SLICE


def repo_of(task_id: str) -> str:
    """``owner/repo`` of a SWE-bench instance id ``owner__repo-123``."""
    match = _REPO_ID.match(task_id)
    if match is None:
        raise RecordError(
            f"task id {task_id!r} is not of the form owner__repo-123, so --slice-by repo "
            "cannot name its repository; use --slice NAME or --slice-by prefix"
        )
    return f"{match['owner']}/{match['repo']}"


def prefix_of(task_id: str) -> str:
    """The task id up to its first ``/``, ``:`` or ``__``; else up to its last ``-``."""
    match = _PREFIX_END.search(task_id)
    if match is not None and match.start() > 0:
        return task_id[: match.start()]
    head, dash, _tail = task_id.rpartition("-")
    return head if dash and head else task_id


def _by_field(name: str, default: str | None = None) -> SliceOf:
    def slice_of(_task: str, record: Mapping[str, Any] | None) -> str:
        value = record.get(name) if record is not None else None
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
        if default is not None and value is None:
            return default
        raise RecordError(
            f"slice field {name!r} is {'missing' if value is None else shown(value)}; "
            "every record needs a non-empty text value there (or use --slice NAME)"
        )

    return slice_of
