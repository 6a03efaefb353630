"""``slice harvest``: a repository's history turned into replay tasks, each checked by running
its tests, with a count of every change left out and why.

Changes are walked newest first. A candidate (code and tests, not a merge, not huge) gets a
snapshot commit (its parent with its tests), a verify command (the tests), a kind and risk
(``tasks.harvest.classify``), and is kept when its tests fail on the snapshot and pass on the
change, twice each (``harness.harvest_check``).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agent_evals.config.harvest import HarvestSpec
from agent_evals.errors import UsageError
from agent_evals.harness.harvest_check import check_fail_to_pass
from agent_evals.tasks.harvest import (
    SKIP_REASONS,
    Candidate,
    HarvestedTask,
    PathKinds,
    SkipReason,
    SnapshotRepo,
    classify,
    screen,
    verify_command,
    walk_history,
    write_task,
)
from agent_evals.tasks.harvest.history import git_text
from agent_evals.tasks.harvest.writing import instruction_text, linked_issues, task_id, test_names

DEFAULT_SLICE = "harvested"
Note = Callable[[str], None]


@dataclass(frozen=True)
class HarvestOptions:
    """What to harvest and where the tasks go."""

    repo: Path
    since: str | None = None
    max_tasks: int | None = None
    slice_name: str | None = None
    by_kind: bool = False
    """Sort tasks into the slice of their kind (``--classify``) instead of one slice."""
    issues: Mapping[str, str] = field(default_factory=dict)
    """Issue texts by number, for commit messages that say ``#12``."""

    def __post_init__(self) -> None:
        if self.by_kind and self.slice_name is not None:
            raise UsageError("--slice and --classify both name the slice; pass one of them")
        if self.max_tasks is not None and self.max_tasks < 1:
            raise UsageError("--max must be at least 1")


@dataclass(frozen=True)
class HarvestSummary:
    """The tasks kept, the changes skipped by reason, and how long it took."""

    tasks: tuple[HarvestedTask, ...]
    skipped: Mapping[SkipReason, int]
    changes: int
    seconds: float

    def kinds(self) -> Counter[str]:
        """Kept tasks per kind."""
        return Counter(task.kind for task in self.tasks)

    def lines(self) -> list[str]:
        """``kept N (kind n, ...)``, ``skipped M (reason n, ...)`` and the time taken."""
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.kinds().items()))
        skipped = ", ".join(
            f"{reason} {self.skipped[reason]}" for reason in SKIP_REASONS if reason in self.skipped
        )
        return [
            f"changes read: {self.changes} in {self.seconds:.1f} s",
            f"kept: {len(self.tasks)}" + (f" ({kinds})" if kinds else ""),
            f"skipped: {sum(self.skipped.values())}" + (f" ({skipped})" if skipped else ""),
        ]


def read_issues(path: Path) -> dict[str, str]:
    """Issue texts by number from a JSON object (``{"12": "text"}``); a usage error if not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the issues file ({exc}); give JSON") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UsageError(f"{path}: expected a JSON object of issue texts by number")
    return {str(k).lstrip("#"): v for k, v in data.items()}


def harvest(
    options: HarvestOptions,
    spec: HarvestSpec,
    folder: Callable[[str], Path],
    *,
    note: Note | None = None,
) -> HarvestSummary:
    """Harvest ``options.repo`` into the slice folders ``folder(name)`` gives."""
    started = time.monotonic()
    repo = options.repo.resolve()
    kinds = PathKinds(spec.test_paths, spec.test_paths) if spec.test_paths else PathKinds()
    kept: list[HarvestedTask] = []
    skipped: Counter[SkipReason] = Counter()
    changes = 0
    for change in walk_history(repo, since=options.since):
        if options.max_tasks is not None and len(kept) >= options.max_tasks:
            break
        changes += 1
        screened = screen(change, kinds, max_files=spec.max_files, max_lines=spec.max_lines)
        result = (
            screened
            if isinstance(screened, str)
            else _harvest_one(screened, options, spec, folder, repo)
        )
        if isinstance(result, str):
            skipped[result] += 1
        else:
            kept.append(result)
        if note is not None:
            note(f"{change.commit[:8]} {_said(result)}: {change.subject[:72]}")
    return HarvestSummary(tuple(kept), dict(skipped), changes, time.monotonic() - started)


def _harvest_one(
    candidate: Candidate,
    options: HarvestOptions,
    spec: HarvestSpec,
    folder: Callable[[str], Path],
    repo: Path,
) -> HarvestedTask | SkipReason:
    change = candidate.change
    command = verify_command(repo, change.commit, candidate.runnable, spec.verify)
    if command is None:
        return "no test command"
    kind = classify(candidate, spec.classify)
    name = kind.kind if options.by_kind else options.slice_name or DEFAULT_SLICE
    slice_dir = folder(name)
    ident = task_id(candidate)
    snapshots = SnapshotRepo(slice_dir)
    snapshot = snapshots.add(repo, change.commit, change.parents[0], candidate.test_paths, ident)
    timeout = spec.verify_timeout_seconds
    check = check_fail_to_pass(
        snapshots.path, snapshot.start, snapshot.source, command, timeout_s=timeout
    )
    if check.verdict != "ok":
        snapshots.drop(ident)
        return check.verdict
    diff = git_text(repo, "show", "--format=", change.commit, "--", *candidate.test_paths)
    instruction = instruction_text(
        candidate, test_names(diff), linked_issues(change.message, options.issues)
    )
    return write_task(
        slice_dir / ident,
        candidate,
        snapshot,
        command,
        kind,
        instruction=instruction,
        timeout_s=spec.verify_timeout_seconds,
        origin=repo,
    )


def _said(result: HarvestedTask | SkipReason) -> str:
    return (
        f"kept as {result.kind} ({result.id})"
        if isinstance(result, HarvestedTask)
        else (f"skipped: {result}")
    )
