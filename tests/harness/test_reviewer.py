"""The automatic reviewer's findings over a real diff."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from agent_evals.harness.measure import measure_diff, out_of_scope
from agent_evals.harness.patch import parse_patch
from agent_evals.harness.policy import dependency_changes
from agent_evals.harness.reviewer import (
    Finding,
    ReviewInput,
    auto_review,
    lint_diagnostics,
    new_diagnostics,
)
from agent_evals.harness.workspace import Workspaces
from agent_evals.tasks import load_task

CORE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
TESTS = (
    "from app.core import add, sub\n\n\n"
    "def test_add():\n    assert add(1, 2) == 3\n\n\n"
    "def test_sub():\n    assert sub(2, 1) == 1\n"
)
REPO = {"app/core.py": CORE, "tests/test_core.py": TESTS, "requirements.txt": "requests\n"}


def _review(project, changes: Mapping[str, str | None], **extra: tuple[str, ...]):
    task_yaml = "instruction: x\nverify: {command: ['true']}\nscope: ['app/**', 'tests/**']\n"
    task = load_task(project.add_task("t", task_yaml, REPO))
    ws = Workspaces(project.root / "tmp").create(task, "run")
    for rel, content in changes.items():
        if content is None:
            (ws.path / rel).unlink()
        else:
            (ws.path / rel).write_text(content)
    diff = measure_diff(ws)
    run = ReviewInput(
        tuple(parse_patch(diff.patch)),
        out_of_scope(diff.paths, task.scope),
        dependency_changes(ws, diff.paths),
        extra.get("new_lint", ()),
    )
    return auto_review(run)


def test_a_clean_change_has_no_findings(project) -> None:
    assert _review(project, {"app/core.py": CORE.replace("a - b", "a - b  # subtract")}) == ()


def test_out_of_scope_edit_and_new_dependency(project) -> None:
    findings = _review(project, {"requirements.txt": "requests\nleftpad\n"})
    assert [(f.rule, f.path) for f in findings] == [
        ("out_of_scope", "requirements.txt"),
        ("new_dependency", "requirements.txt"),
    ]


def test_whitespace_only_churn(project) -> None:
    churned = CORE.replace("    return a + b", "    return a+b").replace("\n\n\ndef", "\n\ndef")
    findings = _review(project, {"app/core.py": churned})
    assert findings == (
        Finding("formatting_churn", "app/core.py", "only whitespace/formatting changes"),
    )


def test_churn_beside_a_real_change(project) -> None:
    changed = CORE.replace("a + b", "a+b").replace("a - b", "b - a")
    findings = _review(project, {"app/core.py": changed})
    assert [(f.rule, f.detail) for f in findings] == [
        ("formatting_churn", "1 whitespace/formatting-only hunks beside the change")
    ]


def test_deleted_and_removed_tests(project) -> None:
    removed = TESTS[: TESTS.index("def test_sub")]
    assert [(f.rule, f.detail) for f in _review(project, {"tests/test_core.py": removed})] == [
        ("deleted_test", "removed tests: test_sub")
    ]
    deleted = _review(project.__class__(project.root / "b"), {"tests/test_core.py": None})
    assert [(f.rule, f.detail) for f in deleted] == [("deleted_test", "deleted a test file")]


def test_a_test_moved_to_another_file_is_not_deleted(project) -> None:
    moved = TESTS.replace("def test_sub():\n    assert sub(2, 1) == 1\n", "")
    findings = _review(
        project,
        {
            "tests/test_core.py": moved,
            "tests/test_more.py": "def test_sub():\n    assert sub(2, 1) == 1\n",
        },
    )
    assert "deleted_test" not in [f.rule for f in findings]


def test_skipped_tests(project) -> None:
    skipped = TESTS.replace("def test_add", '@pytest.mark.skip(reason="flaky")\ndef test_add')
    findings = _review(project, {"tests/test_core.py": "import pytest\n" + skipped})
    assert [(f.rule, f.path) for f in findings] == [("skipped_test", "tests/test_core.py")]
    unittest_skip = TESTS.replace("def test_sub", "@unittest.skip('later')\ndef test_sub")
    other = _review(project.__class__(project.root / "b"), {"tests/test_core.py": unittest_skip})
    assert [f.rule for f in other] == ["skipped_test"]


def test_debug_prints_in_code_but_not_in_tests(project) -> None:
    debug = CORE.replace("    return a + b", "    print(a, b)\n    breakpoint()\n    return a + b")
    test_print = TESTS.replace("    assert add", "    print('checking')\n    assert add")
    findings = _review(project, {"app/core.py": debug, "tests/test_core.py": test_print})
    assert [(f.rule, f.path, f.detail) for f in findings] == [
        ("debug_print", "app/core.py", "debug output left in: print(a, b)")
    ]


def test_new_todo(project) -> None:
    findings = _review(project, {"app/core.py": CORE + "# FIXME: handle overflow\n"})
    assert [(f.rule, f.detail) for f in findings] == [
        ("todo", "new TODO/FIXME: # FIXME: handle overflow")
    ]


def test_lint_errors_introduced(project, tmp_path) -> None:
    linter = tmp_path / "lint.py"
    linter.write_text(
        "import pathlib\n"
        "for p in sorted(pathlib.Path('.').rglob('*.py')):\n"
        "    for i, line in enumerate(p.read_text().splitlines(), 1):\n"
        "        if 'lambda' in line:\n"
        "            print(f'{p}:{i}:1: E731 do not assign a lambda')\n"
    )
    repo = project.root / "lintrepo"
    repo.mkdir()
    (repo / "a.py").write_text("f = lambda: 1\n")
    command = (sys.executable, str(linter))
    before = lint_diagnostics(command, repo, 30)
    (repo / "a.py").write_text("\n\nf = lambda: 1\ng = lambda: 2\n")
    (repo / "b.py").write_text("h = lambda: 3\n")
    new = new_diagnostics(before, lint_diagnostics(command, repo, 30))
    assert new == ("a.py:4:1: E731 do not assign a lambda", "b.py:1:1: E731 do not assign a lambda")
    findings = auto_review(ReviewInput((), new_lint=new))
    assert [(f.rule, f.path, f.detail) for f in findings] == [
        ("lint", "a.py", "1 new lint error(s)"),
        ("lint", "b.py", "1 new lint error(s)"),
    ]
