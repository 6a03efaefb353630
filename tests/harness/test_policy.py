"""Policy checks: forbidden paths, files changed, dependency changes, required test command."""

from __future__ import annotations

from collections.abc import Mapping

from agent_evals.harness.measure import measure_diff
from agent_evals.harness.policy import check_policy, dependency_changes
from agent_evals.harness.workspace import Workspaces
from agent_evals.records import PolicyViolation
from agent_evals.tasks import Policy, load_task

PYPROJECT = '[project]\nname = "app"\nversion = "1.0"\ndependencies = ["requests>=2"]\n'
PACKAGE_JSON = '{"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.0.0"}}'
REPO = {
    "app/core.py": "x = 1\n",
    "migrations/0001_initial.py": "# initial\n",
    "pyproject.toml": PYPROJECT,
    "web/package.json": PACKAGE_JSON,
}


def _changed(project, changes: Mapping[str, str | None]):
    task = load_task(project.add_task("t", "instruction: x\nverify: {command: ['true']}\n", REPO))
    ws = Workspaces(project.root / "tmp").create(task, "run")
    for rel, content in changes.items():
        if content is None:
            (ws.path / rel).unlink()
        else:
            (ws.path / rel).parent.mkdir(parents=True, exist_ok=True)
            (ws.path / rel).write_text(content)
    return ws, measure_diff(ws)


def test_forbidden_path_and_too_many_files(project) -> None:
    _ws, diff = _changed(
        project, {"migrations/0001_initial.py": "# edited\n", "app/core.py": "x = 2\n"}
    )
    policy = Policy(forbidden_paths=("migrations/0001_*.py",), max_files_changed=1)
    assert check_policy(policy, diff, (), ()) == (
        PolicyViolation(
            "forbidden_path", "changed migrations/0001_initial.py, which matches a forbidden path"
        ),
        PolicyViolation("max_files_changed", "changed 2 files; at most 1"),
    )


def test_dependency_changes_ignore_unrelated_edits_of_mixed_files(project) -> None:
    ws, diff = _changed(
        project,
        {
            "pyproject.toml": PYPROJECT.replace('"1.0"', '"1.1"'),
            "web/package.json": PACKAGE_JSON.replace('"1.0.0", "dep', '"2.0.0", "dep'),
        },
    )
    assert dependency_changes(ws, diff.paths) == ()


def test_dependency_changes_are_found(project) -> None:
    ws, diff = _changed(
        project,
        {
            "pyproject.toml": PYPROJECT.replace('["requests>=2"]', '["requests>=2", "numpy"]'),
            "web/package.json": PACKAGE_JSON.replace('"left-pad"', '"right-pad"'),
            "requirements-dev.txt": "pytest\n",
        },
    )
    deps = dependency_changes(ws, diff.paths)
    assert deps == ("pyproject.toml", "requirements-dev.txt", "web/package.json")
    violations = check_policy(Policy(no_dependency_changes=True), diff, deps, ())
    assert [v.rule for v in violations] == ["dependency_change"] * 3
    assert check_policy(Policy(), diff, deps, ()) == ()


def test_required_test_command_is_checked_when_commands_are_known(project) -> None:
    _ws, diff = _changed(project, {"app/core.py": "x = 2\n"})
    policy = Policy(required_test_command="python -m unittest")
    assert check_policy(policy, diff, (), ("cat app/core.py", "python  -m unittest -q")) == ()
    assert check_policy(policy, diff, (), ("cat app/core.py",)) == (
        PolicyViolation("required_test_command", "never ran the required 'python -m unittest'"),
    )
    assert check_policy(policy, diff, (), ()) == ()
