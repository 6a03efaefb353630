"""The verify command of a harvested task: the config's template, or the repository's own
Python test runner (pytest when the repository uses it, else unittest)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from agent_evals.errors import ConfigError
from agent_evals.tasks.harvest.history import git_text

TESTS_FIELD = "{tests}"
_PYTEST_MARKERS = ("[tool.pytest", "[pytest]", "[tool:pytest]")
_PYTEST_FILES = ("pyproject.toml", "pytest.ini", "setup.cfg", "tox.ini")


def verify_command(
    repo: Path, commit: str, tests: Sequence[str], template: str | None
) -> tuple[str, ...] | None:
    """The command that runs ``tests`` at ``commit``; ``None`` when there is no way to run them.

    A template is split like a shell line, its ``{tests}`` word becoming the test paths.
    """
    if template is not None:
        return expand(template, tests)
    if not all(path.endswith(".py") for path in tests):
        return None
    top = set(git_text(repo, "ls-tree", "--name-only", commit).split())
    runner = (
        ["python", "-m", "pytest", "-q"]
        if _uses_pytest(repo, commit, top, tests)
        else [
            "python",
            "-m",
            "unittest",
        ]
    )
    # A src layout's package is imported from the snapshot, not from an installed copy.
    prefix = ["env", "PYTHONPATH=src"] if "src" in top else []
    return (*prefix, *runner, *tests)


def expand(template: str, tests: Sequence[str]) -> tuple[str, ...]:
    """The template's words with ``{tests}`` replaced by the test paths."""
    words = shlex.split(template)
    if TESTS_FIELD not in words:
        raise ConfigError(
            f"{template!r} has no {TESTS_FIELD} word; add it where the test files go",
            key="harvest.verify",
        )
    out: list[str] = []
    for word in words:
        out += list(tests) if word == TESTS_FIELD else [word]
    return tuple(out)


def _uses_pytest(repo: Path, commit: str, top: set[str], tests: Sequence[str]) -> bool:
    if "conftest.py" in top:
        return True
    for name in (*(f for f in _PYTEST_FILES if f in top), *tests):
        text = git_text(repo, "show", f"{commit}:{name}")
        if any(marker in text for marker in _PYTEST_MARKERS) or "import pytest" in text:
            return True
    return False
