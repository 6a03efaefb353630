"""Screening a change before any test runs: which changes can become tasks, and why not.

A candidate change touches code and adds or modifies tests. Vendored and generated files are
left out of the code it counts and of its size; a change whose code is only such files is
skipped under that reason. Merges (their change is their parents'), huge changes (past
``harvest.maxFiles`` or ``harvest.maxLines``) and changes without tests are skipped too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from agent_evals.tasks.harvest.history import Change, FileChange
from agent_evals.tasks.harvest.paths import PathKinds

SkipReason = Literal[
    "merge",
    "first commit",
    "huge",
    "vendored",
    "generated",
    "no tests",
    "tests only",
    "no test command",
    "not failing before",
    "not passing after",
    "flaky",
    "timeout",
]
SKIP_REASONS: tuple[SkipReason, ...] = get_args(SkipReason)


@dataclass(frozen=True)
class Candidate:
    """A change that may become a task: its new or modified tests and its code files."""

    change: Change
    tests: tuple[FileChange, ...]
    code: tuple[FileChange, ...]
    runnable: tuple[str, ...]
    """The test files its verify command names."""

    @property
    def test_paths(self) -> tuple[str, ...]:
        """Every new or modified test file: the task's snapshot gets them all."""
        return tuple(f.path for f in self.tests)


def screen(
    change: Change, kinds: PathKinds, *, max_files: int, max_lines: int
) -> Candidate | SkipReason:
    """The change as a candidate, or the reason it is skipped."""
    if change.is_merge:
        return "merge"
    if not change.parents:
        return "first commit"
    # Vendored and generated files neither count as code nor make a change huge.
    files = [f for f in change.files if not kinds.is_foreign(f.path)]
    if len(files) > max_files or sum(f.lines for f in files) > max_lines:
        return "huge"
    tests = tuple(f for f in files if kinds.is_test(f.path) and f.status != "D")
    code = tuple(f for f in files if not kinds.is_test(f.path) and not kinds.is_doc(f.path))
    if not code and len(files) < len(change.files):
        foreign = [f for f in change.files if f not in files]
        return "vendored" if any(kinds.is_vendored(f.path) for f in foreign) else "generated"
    runnable = tuple(f.path for f in tests if kinds.is_runnable(f.path))
    if not runnable:
        return "no tests"
    if not code:
        return "tests only"
    return Candidate(change, tests, code, runnable)
