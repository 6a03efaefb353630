"""The automatic reviewer: deterministic rules that leave one follow-up comment per finding.

Each rule is a small function registered by name in ``RULES``. A finding is what a human
reviewer would ask to change in one file, so each rule reports at most one finding per file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_evals.harness.agents.process import run_process
from agent_evals.harness.patch import FilePatch, Hunk

_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec)/|(^|/)(test_[^/]*|conftest\.py)$|_test\.\w+$|\.(test|spec)\.\w+$"
)
_CODE_SUFFIXES = (".py", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs")
_TEST_DEF = re.compile(
    r"^\s*(?:async\s+)?def\s+(test\w*)|^\s*func\s+(Test\w+)|^\s*(?:it|test)\(\s*['\"`]([^'\"`]+)"
)
_SKIP = re.compile(
    r"@(?:pytest\.mark\.(?:skip|skipif|xfail)|unittest\.skip\w*|skip\w*)\b"
    r"|\bpytest\.skip\(|\.skipTest\(|\b(?:it|describe|test)\.skip\(|\bx(?:it|describe)\("
    r"|\bt\.Skip(?:f|Now)?\(|@(?:Disabled|Ignore)\b"
)
_DEBUG = re.compile(
    r"(?<![\w.])print\(|\bbreakpoint\(\)|\bimport\s+i?pdb\b|\bi?pdb\.set_trace\(|\bconsole\.log\("
    r"|^\s*debugger;?\s*$"
)
_TODO = re.compile(r"\b(?:TODO|FIXME|XXX|HACK)\b")
_DIAGNOSTIC = re.compile(r"^(?P<path>[^\s:][^:]*):\d+(?::\d+)?:?\s*(?P<message>.*)$")


@dataclass(frozen=True)
class Finding:
    """One follow-up comment of the automatic reviewer."""

    rule: str
    path: str | None
    detail: str


@dataclass(frozen=True)
class ReviewInput:
    """What the reviewer looks at: the parsed patch and what measuring found."""

    files: tuple[FilePatch, ...]
    out_of_scope: tuple[str, ...] = ()
    dependency_changes: tuple[str, ...] = ()
    new_lint: tuple[str, ...] = ()


Rule = Callable[[ReviewInput], Iterable[Finding]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    """Register a reviewer rule under ``name``."""

    def register(check: Rule) -> Rule:
        RULES[name] = check
        return check

    return register


def auto_review(run: ReviewInput) -> tuple[Finding, ...]:
    """Every finding of every rule, in rule order."""
    return tuple(finding for check in RULES.values() for finding in check(run))


def is_test_path(path: str) -> bool:
    """Whether a path holds tests (``tests/``, ``test_*.py``, ``*.test.ts``, ...)."""
    return _TEST_PATH.search(path) is not None


def _first_added(f: FilePatch, pattern: re.Pattern[str]) -> str | None:
    return next((line.strip()[:120] for line in f.added if pattern.search(line)), None)


@rule("out_of_scope")
def _out_of_scope(run: ReviewInput) -> Iterator[Finding]:
    for path in run.out_of_scope:
        yield Finding("out_of_scope", path, "edited a file outside the task's scope")


def _squash(lines: Iterable[str]) -> list[str]:
    return sorted(s for s in ("".join(line.split()) for line in lines) if s)


def _formatting_only(hunk: Hunk) -> bool:
    return _squash(hunk.removed) == _squash(hunk.added)


@rule("formatting_churn")
def _formatting_churn(run: ReviewInput) -> Iterator[Finding]:
    for f in run.files:
        churn = sum(1 for h in f.hunks if _formatting_only(h))
        if not churn or f.new or f.deleted:
            continue
        detail = (
            "only whitespace/formatting changes"
            if churn == len(f.hunks)
            else f"{churn} whitespace/formatting-only hunks beside the change"
        )
        yield Finding("formatting_churn", f.path, detail)


def _test_names(lines: Iterable[str]) -> set[str]:
    names = set()
    for line in lines:
        if match := _TEST_DEF.search(line):
            names.add(next(g for g in match.groups() if g))
    return names


@rule("deleted_test")
def _deleted_tests(run: ReviewInput) -> Iterator[Finding]:
    added_anywhere = _test_names(line for f in run.files for line in f.added)
    for f in run.files:
        if not is_test_path(f.path):
            continue
        if f.deleted:
            yield Finding("deleted_test", f.path, "deleted a test file")
        elif gone := sorted(_test_names(f.removed) - added_anywhere):
            yield Finding("deleted_test", f.path, "removed tests: " + ", ".join(gone))


@rule("skipped_test")
def _skipped_tests(run: ReviewInput) -> Iterator[Finding]:
    for f in run.files:
        if line := _first_added(f, _SKIP):
            yield Finding("skipped_test", f.path, f"skips a test: {line}")


@rule("debug_print")
def _debug_prints(run: ReviewInput) -> Iterator[Finding]:
    for f in run.files:
        if not f.path.endswith(_CODE_SUFFIXES) or is_test_path(f.path):
            continue
        if line := _first_added(f, _DEBUG):
            yield Finding("debug_print", f.path, f"debug output left in: {line}")


@rule("todo")
def _todos(run: ReviewInput) -> Iterator[Finding]:
    for f in run.files:
        if line := _first_added(f, _TODO):
            yield Finding("todo", f.path, f"new TODO/FIXME: {line}")


@rule("new_dependency")
def _new_dependencies(run: ReviewInput) -> Iterator[Finding]:
    for path in run.dependency_changes:
        yield Finding("new_dependency", path, "changed the project's dependencies")


@rule("lint")
def _lint(run: ReviewInput) -> Iterator[Finding]:
    by_path: Counter[str] = Counter()
    for line in run.new_lint:
        match = _DIAGNOSTIC.match(line)
        by_path[match.group("path") if match else ""] += 1
    for path, count in sorted(by_path.items()):
        yield Finding("lint", path or None, f"{count} new lint error(s)")


def lint_diagnostics(
    command: Sequence[str], cwd: Path, timeout_s: float, env: Mapping[str, str] | None = None
) -> list[str]:
    """The diagnostic lines (``path:line[:col]: message``) a linter prints for a folder."""
    outcome = run_process(command, cwd=cwd, timeout_s=timeout_s, env=env)
    lines = (outcome.stdout + "\n" + outcome.stderr).splitlines()
    return [line.strip() for line in lines if _DIAGNOSTIC.match(line.strip())]


def new_diagnostics(before: Sequence[str], after: Sequence[str]) -> tuple[str, ...]:
    """Diagnostics present after the run and not before (line numbers ignored)."""

    def key(line: str) -> str:
        match = _DIAGNOSTIC.match(line)
        return f"{match.group('path')}: {match.group('message')}" if match else line

    remaining = Counter(key(line) for line in before)
    new = []
    for line in after:
        if remaining[key(line)] > 0:
            remaining[key(line)] -= 1
        else:
            new.append(line)
    return tuple(new)
