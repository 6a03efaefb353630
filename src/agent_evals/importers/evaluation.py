"""Evaluation results of SWE-bench style runs: which instances resolved, failed or never ran.

Three shapes are read: the experiments repository's ``results.json`` (counts and id lists,
including its older ``no_generation``/``with_logs``/``no_apply``/``install_fail`` lists),
the harness run report (``resolved_ids``, ``unresolved_ids``, ``error_ids``,
``empty_patch_ids``, ``incomplete_ids``, ``completed_ids``, ``submitted_ids``, and from
SWE-bench 5 ``infra_failure_ids``, ``ambiguous_failure_ids`` and ``failure_reasons``), and a
folder of per-instance ``report.json`` files (``{instance_id: {"resolved": bool,
"infra_failure": bool, "infra_failure_reason": str, ...}}``).

Both report forms say the same of an instance: an infrastructure failure is ``infra_error``
with its reason, and an instance the harness ran without leaving a readable report (an
``error_ids`` entry; an instance folder with no or an unreadable ``report.json``) is
``infra_error`` too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_evals.errors import ImportFormatError, UsageError
from agent_evals.importers.reading import load_json, read_text
from agent_evals.types import RunStatus

EMPTY_PATCH = "empty patch"
HARNESS_ERROR = "the evaluation harness left no readable report for this instance"
INFRA_FAILURE = "the evaluation environment failed"
# files the harness writes into an instance's log folder
_INSTANCE_FILES = ("report.json", "run_instance.log")

# id list -> status, lowest precedence first (a later list wins for an id in two lists)
_ID_LISTS: tuple[tuple[str, RunStatus, str], ...] = (
    ("submitted_ids", "missing", "submitted but never evaluated"),
    ("incomplete_ids", "missing", "never evaluated"),
    # the older experiments-repository lists
    ("generated", "missing", "generated but never evaluated"),
    ("with_logs", "unresolved", ""),
    ("no_apply", "unresolved", "the patch did not apply"),
    ("test_timeout", "unresolved", "the tests timed out"),
    ("install_fail", "infra_error", "the evaluation environment failed to install"),
    ("reset_failed", "infra_error", "the evaluation environment failed to reset"),
    ("no_generation", "unresolved", EMPTY_PATCH),
    ("completed_ids", "unresolved", ""),
    ("error_ids", "infra_error", HARNESS_ERROR),
    ("empty_patch_ids", "unresolved", EMPTY_PATCH),
    ("ambiguous_failure_ids", "unresolved", ""),
    ("unresolved_ids", "unresolved", ""),
    ("infra_failure_ids", "infra_error", INFRA_FAILURE),
    ("resolved", "resolved", ""),
    ("resolved_ids", "resolved", ""),
)


@dataclass(frozen=True)
class Outcome:
    """How one instance's evaluation ended, and why when it says nothing of the model."""

    status: RunStatus
    detail: str | None = None


@dataclass(frozen=True)
class Evaluation:
    """Evaluation outcomes by instance id."""

    outcomes: Mapping[str, Outcome]

    def outcome(self, instance_id: str) -> Outcome | None:
        """The outcome of an instance, or ``None`` when the results do not mention it."""
        return self.outcomes.get(instance_id)


def read_evaluation(path: Path) -> Evaluation:
    """The evaluation in a results file or a folder of per-instance ``report.json`` files."""
    if path.is_dir():
        return Evaluation(dict(_reports(path)))
    if not path.exists():
        raise ImportFormatError(f"{path}: no such results file or folder")
    data = load_json(path)
    if not isinstance(data, dict) or not any(key in data for key, _, _ in _ID_LISTS):
        lists = ", ".join(key for key, _, _ in _ID_LISTS)
        raise ImportFormatError(
            f"{path}: not a SWE-bench results file: expected an object with id lists ({lists})"
        )
    return Evaluation(_from_id_lists(path, data))


def _from_id_lists(path: Path, data: Mapping[str, Any]) -> dict[str, Outcome]:
    reasons = data.get("failure_reasons") or {}
    if not isinstance(reasons, dict):
        raise ImportFormatError(
            f"{path}: failure_reasons must be an object of instance id -> reason text"
        )
    outcomes: dict[str, Outcome] = {}
    for key, status, detail in _ID_LISTS:
        ids = data.get(key)
        if ids is None:
            continue
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ImportFormatError(f"{path}: {key} must be a list of instance ids")
        for instance_id in ids:
            text = _infra_detail(reasons.get(instance_id)) if detail == INFRA_FAILURE else detail
            outcomes[instance_id] = Outcome(status, text or None)
    return outcomes


def _reports(folder: Path) -> Iterator[tuple[str, Outcome]]:
    instances = {p.parent for name in _INSTANCE_FILES for p in folder.rglob(name) if p.is_file()}
    for instance in sorted(instances):
        yield instance.name, _report_outcome(instance / "report.json", instance.name)


def _report_outcome(report: Path, instance_id: str) -> Outcome:
    """One instance's outcome; no or an unreadable report is a harness error, as in the run
    report's ``error_ids``."""
    try:
        data = json.loads(read_text(report))
        entry = data[instance_id] if instance_id in data else next(iter(data.values()))
        resolved = entry["resolved"]
        infra = entry.get("infra_failure", False)
    except (UsageError, ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return Outcome("infra_error", HARNESS_ERROR)
    for key, value in (("resolved", resolved), ("infra_failure", infra)):
        if not isinstance(value, bool):
            raise ImportFormatError(
                f"{report}: {instance_id}.{key} must be true or false, got {value!r}; "
                "fix the report or leave the instance's folder out of --results"
            )
    if resolved:
        return Outcome("resolved")
    if infra:
        return Outcome("infra_error", _infra_detail(entry.get("infra_failure_reason")))
    return Outcome("unresolved")


def _infra_detail(reason: Any) -> str:
    return f"{INFRA_FAILURE}: {reason}" if isinstance(reason, str) and reason else INFRA_FAILURE
