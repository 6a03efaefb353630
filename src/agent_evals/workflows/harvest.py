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
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from agent_evals.config.harvest import HarvestSpec
from agent_evals.errors import UsageError
from agent_evals.harness.harvest_check import CheckResult, check_fail_to_pass
from agent_evals.tasks.harvest import (
    SKIP_REASONS,
    Candidate,
    Change,
    Classification,
    HarvestedTask,
    PathKinds,
    SkipReason,
    Snapshot,
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
    workers: int = 1
    """Changes checked at once."""

    def __post_init__(self) -> None:
        if self.by_kind and self.slice_name is not None:
            raise UsageError("--slice and --classify both name the slice; pass one of them")
        if self.max_tasks is not None and self.max_tasks < 1:
            raise UsageError("--max must be at least 1")
        if self.workers < 1:
            raise UsageError("--workers must be at least 1")


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
    """Harvest ``options.repo`` into the slice folders ``folder(name)`` gives.

    Checks run on ``options.workers`` threads (each waits on its test processes); changes
    are settled in history order, so ``--max`` keeps the newest tasks whatever finishes first.
    """
    started = time.monotonic()
    run = _Run(options, spec, folder, note)
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        for change in walk_history(run.repo, since=options.since):
            if run.full:
                break
            run.start(change, pool)
            run.settle_ready()
            while len(run.running) > options.workers:
                wait(run.running, return_when=FIRST_COMPLETED)
                run.settle_ready()
        while run.queue:
            item = run.queue.popleft()
            if run.full:
                run.abandon(item)
            else:
                run.settle(item)
    return HarvestSummary(
        tuple(run.kept), dict(run.skipped), run.changes, time.monotonic() - started
    )


@dataclass(frozen=True)
class _Prepared:
    """A candidate with its command, kind, snapshot and the folder its task goes to."""

    candidate: Candidate
    command: tuple[str, ...]
    kind: Classification
    slice_dir: Path
    ident: str
    snapshots: SnapshotRepo
    snapshot: Snapshot


@dataclass(frozen=True)
class _Queued:
    """A change read: skipped at once, or prepared with its check running."""

    change: Change
    skip: SkipReason | None = None
    pending: tuple[_Prepared, Future[CheckResult]] | None = None


class _Run:
    """One harvest's state: its queue of changes in history order, and the tallies."""

    def __init__(
        self,
        options: HarvestOptions,
        spec: HarvestSpec,
        folder: Callable[[str], Path],
        note: Note | None,
    ) -> None:
        self.options, self.spec, self.folder, self.note = options, spec, folder, note
        self.repo = options.repo.resolve()
        tests = spec.test_paths
        self.kinds = PathKinds(tests, tests) if tests else PathKinds()
        self.queue: deque[_Queued] = deque()
        self.kept: list[HarvestedTask] = []
        self.skipped: Counter[SkipReason] = Counter()
        self.changes = 0

    @property
    def running(self) -> list[Future[CheckResult]]:
        """Checks started and not yet finished."""
        return [i.pending[1] for i in self.queue if i.pending and not i.pending[1].done()]

    def settle_ready(self) -> None:
        """Settle the oldest changes while they need no waiting: skipped, or checked."""
        while self.queue and (self.queue[0].pending is None or self.queue[0].pending[1].done()):
            if self.full:
                return
            self.settle(self.queue.popleft())

    @property
    def full(self) -> bool:
        """Whether ``--max`` tasks are kept."""
        limit = self.options.max_tasks
        return limit is not None and len(self.kept) >= limit

    def start(self, change: Change, pool: ThreadPoolExecutor) -> None:
        """Screen and prepare a change; its check starts on the pool."""
        self.changes += 1
        spec = self.spec
        screened = screen(change, self.kinds, max_files=spec.max_files, max_lines=spec.max_lines)
        prepared = screened if isinstance(screened, str) else self._prepare(screened)
        if isinstance(prepared, str):
            self.queue.append(_Queued(change, skip=prepared))
            return
        snapshot, timeout = prepared.snapshot, spec.verify_timeout_seconds
        check = pool.submit(
            check_fail_to_pass,
            snapshot.repo,
            snapshot.start,
            snapshot.source,
            prepared.command,
            timeout_s=timeout,
        )
        self.queue.append(_Queued(change, pending=(prepared, check)))

    def settle(self, item: _Queued) -> None:
        """Count a skipped change, or write the task of one whose check passed."""
        result: HarvestedTask | SkipReason
        if item.pending is not None:
            prepared, check = item.pending
            result = self._finish(prepared, check.result())
        else:
            result = item.skip or "no tests"
        if isinstance(result, str):
            self.skipped[result] += 1
        else:
            self.kept.append(result)
        if self.note is not None:
            self.note(f"{item.change.commit[:8]} {_said(result)}: {item.change.subject[:72]}")

    def abandon(self, item: _Queued) -> None:
        """A change read past ``--max``: its check is not waited for, its commits dropped."""
        self.changes -= 1
        if item.pending is not None:
            prepared, check = item.pending
            check.cancel()
            wait([check])
            prepared.snapshots.drop(prepared.ident)

    def _prepare(self, candidate: Candidate) -> _Prepared | SkipReason:
        change = candidate.change
        command = verify_command(self.repo, change.commit, candidate.runnable, self.spec.verify)
        if command is None:
            return "no test command"
        kind = classify(candidate, self.spec.classify)
        options = self.options
        slice_dir = self.folder(
            kind.kind if options.by_kind else options.slice_name or DEFAULT_SLICE
        )
        ident = task_id(candidate)
        snapshots = SnapshotRepo(slice_dir)
        snapshot = snapshots.add(
            self.repo, change.commit, change.parents[0], candidate.test_paths, ident
        )
        return _Prepared(candidate, command, kind, slice_dir, ident, snapshots, snapshot)

    def _finish(self, prepared: _Prepared, check: CheckResult) -> HarvestedTask | SkipReason:
        if check.verdict != "ok":
            prepared.snapshots.drop(prepared.ident)
            return check.verdict
        candidate = prepared.candidate
        change = candidate.change
        diff = git_text(self.repo, "show", "--format=", change.commit, "--", *candidate.test_paths)
        issues = linked_issues(change.message, self.options.issues)
        return write_task(
            prepared.slice_dir / prepared.ident,
            candidate,
            prepared.snapshot,
            prepared.command,
            prepared.kind,
            instruction=instruction_text(candidate, test_names(diff), issues),
            timeout_s=self.spec.verify_timeout_seconds,
            origin=self.repo,
        )


def _said(result: HarvestedTask | SkipReason) -> str:
    return (
        f"kept as {result.kind} ({result.id})"
        if isinstance(result, HarvestedTask)
        else (f"skipped: {result}")
    )
