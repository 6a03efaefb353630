"""Measuring from outside the agent: the diff against the base, scope, and verify."""

from __future__ import annotations

import subprocess

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import AiderAgent
from agent_evals.harness.agents.base import state_files
from agent_evals.harness.measure import measure_diff, out_of_scope, run_verify
from agent_evals.harness.patch import parse_patch
from agent_evals.harness.workspace import Workspaces
from agent_evals.records import DiffStats
from agent_evals.tasks import load_task


def _workspace(project, task_yaml: str | None = None):
    folder = project.add_task("t", task_yaml or project.median_task)
    task = load_task(folder)
    return task, Workspaces(project.root / "tmp").create(task, "run")


def test_diff_counts_new_deleted_and_changed_files(project) -> None:
    _, ws = _workspace(project)
    (ws.path / "stats" / "__init__.py").write_text(project.fixed_median)
    (ws.path / "README.md").unlink()
    (ws.path / "stats" / "extra.py").write_text("a = 1\nb = 2\n")
    (ws.path / "logo.bin").write_bytes(b"\0\1\2")
    diff = measure_diff(ws)
    assert diff.paths == ("README.md", "logo.bin", "stats/__init__.py", "stats/extra.py")
    assert diff.stats == DiffStats(files_changed=4, lines_added=6, lines_removed=2)


def test_changes_the_agent_committed_still_count(project) -> None:
    _, ws = _workspace(project)
    (ws.path / "stats" / "new.py").write_text("x = 1\n")
    subprocess.run(["git", "add", "-A"], cwd=ws.path, check=True)
    subprocess.run(
        ["git", "-c", "user.name=a", "-c", "user.email=a@a", "commit", "-qm", "agent"],
        cwd=ws.path,
        check=True,
    )
    assert measure_diff(ws).paths == ("stats/new.py",)


def test_out_of_scope_lists_paths_outside_every_glob() -> None:
    paths = ("README.md", "stats/core.py", "tests/test_core.py", "setup.py")
    assert out_of_scope(paths, ("stats/**", "tests/**")) == ("README.md", "setup.py")
    assert out_of_scope(paths, ()) == ()


def test_verify_that_prints_passed_but_exits_1_is_a_failure(project) -> None:
    script = "import sys; print('PASSED'); print('all tests PASSED'); sys.exit(1)"
    task, ws = _workspace(
        project, f'instruction: x\nverify: {{command: ["python", "-c", "{script}"]}}\n'
    )
    outcome = run_verify(task, ws, None)
    assert not outcome.passed
    assert outcome.exit_code == 1
    assert "PASSED" in outcome.output_tail


def test_verify_exit_code_zero_passes_even_when_it_prints_failed(project) -> None:
    script = "print('FAILED')"
    task, ws = _workspace(
        project, f'instruction: x\nverify: {{command: ["python", "-c", "{script}"]}}\n'
    )
    assert run_verify(task, ws, None).passed


def test_verify_is_never_run_through_a_shell(project) -> None:
    task, ws = _workspace(project, "instruction: x\nverify: {command: 'echo hi; touch pwned'}\n")
    assert run_verify(task, ws, None).passed
    assert not (ws.path / "pwned").exists()


def test_verify_that_cannot_start_or_hangs(project) -> None:
    task, ws = _workspace(project, "instruction: x\nverify: {command: [no-such-verify-cmd]}\n")
    missing = run_verify(task, ws, None)
    assert missing.could_not_start and not missing.passed
    hang = "instruction: x\nverify: {command: [sleep, '30'], timeoutSeconds: 0.2}\n"
    task, ws = _workspace(project.__class__(project.root / "other"), hang)
    slow = run_verify(task, ws, None)
    assert slow.timed_out and not slow.passed and not slow.could_not_start


def test_unusual_file_names_are_read_back_exactly(project) -> None:
    _, ws = _workspace(project)
    names = ['we ird "quoted".txt', "tab\there.txt", "naïve.py"]
    for name in names:
        (ws.path / name).write_text("x\n")
    diff = measure_diff(ws)
    assert set(diff.paths) == set(names)
    assert diff.stats == DiffStats(files_changed=3, lines_added=3, lines_removed=0)
    assert {f.path for f in parse_patch(diff.patch)} == set(names)


def test_an_agents_own_state_files_are_left_out_of_the_diff_and_the_patch(project) -> None:
    _, ws = _workspace(project)
    (ws.path / "stats" / "__init__.py").write_text(project.fixed_median)
    (ws.path / ".aider.chat.history.md").write_text("# aider chat started\n")
    (ws.path / "stats" / ".aider.input.history").write_text("+fix it\n")
    (ws.path / ".aider.tags.cache.v4").mkdir()
    (ws.path / ".aider.tags.cache.v4" / "cache.db").write_bytes(b"\0")
    ignore = state_files(AiderAgent(AgentSpec(type="aider")))

    diff = measure_diff(ws, ignore)

    assert diff.paths == ("stats/__init__.py",)
    assert ".aider" not in diff.patch
    assert out_of_scope(diff.paths, ("stats/**",)) == ()
