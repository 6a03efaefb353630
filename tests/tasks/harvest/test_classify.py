"""Screening and classifying changes: which become candidates, of which kind and risk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_evals.config import parse_config
from agent_evals.tasks.harvest import Candidate, Change, FileChange, PathKinds, classify, screen

LIMITS = {"max_files": 40, "max_lines": 2000}


def change(message: str, *files: tuple[str, int], parents: int = 1) -> Change:
    return Change(
        commit="c" * 40,
        parents=tuple("p" * 40 for _ in range(parents)),
        date=datetime(2025, 1, 1, tzinfo=UTC),
        message=message,
        files=tuple(FileChange(path, "M", lines, 0) for path, lines in files),
    )


def candidate(message: str, *files: tuple[str, int]) -> Candidate:
    screened = screen(change(message, *files), PathKinds(), **LIMITS)
    assert isinstance(screened, Candidate), screened
    return screened


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ((("src/a.py", 3),), "no tests"),
        ((("tests/test_a.py", 3),), "tests only"),
        ((("vendor/lib/x.py", 3), ("tests/test_x.py", 3)), "vendored"),
        ((("api_pb2.py", 3), ("tests/test_api.py", 3)), "generated"),
        ((("src/a.py", 2500), ("tests/test_a.py", 3)), "huge"),
        ((("README.md", 3), ("docs/x.rst", 1)), "no tests"),
    ],
)
def test_changes_that_cannot_become_tasks_are_skipped_with_their_reason(files, reason):
    assert screen(change("x", *files), PathKinds(), **LIMITS) == reason


def test_a_merge_is_skipped_as_a_merge_before_anything_else():
    merged = change("Merge", ("src/a.py", 1), ("tests/test_a.py", 1), parents=2)
    assert screen(merged, PathKinds(), **LIMITS) == "merge"


def test_vendored_files_beside_real_code_count_neither_as_code_nor_as_size():
    found = candidate("x", ("src/a.py", 3), ("vendor/b.py", 5000), ("tests/test_a.py", 3))
    assert [f.path for f in found.code] == ["src/a.py"]


@pytest.mark.parametrize(
    ("message", "files", "kind", "risk"),
    [
        (
            "Fix the median",
            (("stats/core.py", 4), ("tests/test_core.py", 20)),
            "bugfix-small",
            "low",
        ),
        (
            "Add the email column",
            (("app/models.py", 10), ("app/migrations/0002.py", 30), ("tests/test_m.py", 10)),
            "migration-risky",
            "high",
        ),
        (
            "Bump httpx",
            (("pyproject.toml", 2), ("app/client.py", 5), ("tests/test_client.py", 5)),
            "migration-risky",
            "high",
        ),
        (
            "Run the tests in CI",
            (("Makefile", 4), ("app/x.py", 1), ("tests/test_x.py", 5)),
            "repo-onboarding",
            "low",
        ),
        (
            "Cover the parser's edge cases with tests",
            (("app/parser.py", 2), ("tests/test_parser.py", 60)),
            "test-generation",
            "low",
        ),
        (
            "Extract the pricing module",
            (("app/a.py", 40), ("app/b.py", 40), ("tests/test_b.py", 10)),
            "refactor-medium",
            "low",
        ),
        (
            "Faster reports",
            (*((f"app/m{i}.py", 50) for i in range(7)), ("tests/test_r.py", 10)),
            "refactor-medium",
            "medium",
        ),
    ],
)
def test_the_default_rules_name_each_kind_and_risk(message, files, kind, risk):
    found = classify(candidate(message, *files))
    assert (found.kind, found.risk) == (kind, risk)


def test_rules_from_the_config_replace_the_defaults_first_match_wins():
    config = parse_config(
        """\
release: {incumbent: a, candidate: b-1, evalSlices: [bugfix-small]}
harvest:
  classify:
    - {kind: migration-risky, anyPath: ["db/**"], risk: medium}
    - {kind: bugfix-small, message: "^hotfix"}
"""
    ).config
    rules = config.harvest.classify
    db = candidate("x", ("db/schema.py", 5), ("tests/test_db.py", 5))
    hotfix = candidate("hotfix: y", ("app/y.py", 500), ("tests/test_y.py", 5))
    other = candidate("Fix z", ("app/z.py", 1), ("tests/test_z.py", 5))
    assert (classify(db, rules).kind, classify(db, rules).risk) == ("migration-risky", "medium")
    assert classify(hotfix, rules).kind == "bugfix-small"
    assert classify(other, rules).kind == "refactor-medium"  # no rule matched: the fallback
