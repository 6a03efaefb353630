"""Scope and policy globs."""

from __future__ import annotations

import pytest

from agent_evals.tasks import glob_match


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("stats/**", "stats/core.py", True),
        ("stats/**", "stats/deep/er.py", True),
        ("stats/**", "statsx/core.py", False),
        ("stats/*", "stats/deep/er.py", False),
        ("**/requirements*.txt", "requirements-dev.txt", True),
        ("**/requirements*.txt", "svc/requirements.txt", True),
        ("migrations/0001_*.py", "migrations/0001_initial.py", True),
        ("migrations/0001_*.py", "migrations/0002_more.py", False),
        ("docs/", "docs/a/b.md", True),
        ("*.md", "docs/a.md", False),
        ("file?.txt", "file1.txt", True),
        ("[ab].py", "c.py", False),
        ("[!ab].py", "c.py", True),
    ],
)
def test_glob_match(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path) is matches
