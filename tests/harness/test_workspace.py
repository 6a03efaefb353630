"""Workspaces: a fresh git checkout per run, removed afterwards unless kept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent_evals.harness.measure import measure_diff
from agent_evals.harness.workspace import Workspaces
from agent_evals.tasks import load_task


@pytest.mark.parametrize("reuse", [True, False])
def test_each_run_gets_a_fresh_copy_with_a_base_commit(project, reuse: bool) -> None:
    task = load_task(project.add_task("t"))
    workspaces = Workspaces(project.root / "tmp", reuse=reuse)
    first = workspaces.create(task, "a")
    (first.path / "stats" / "__init__.py").write_text("changed\n")
    second = workspaces.create(task, "b")
    assert (second.path / "stats" / "__init__.py").read_text().startswith("def median")
    assert (second.path / ".git").is_dir()
    assert measure_diff(second).files == ()
    workspaces.close()
    assert not workspaces.root.exists()


def test_removed_unless_kept(project) -> None:
    task = load_task(project.add_task("t"))
    dropping = Workspaces(project.root / "tmp")
    workspace = dropping.create(task, "a")
    dropping.remove(workspace)
    assert not workspace.path.exists()
    keeping = Workspaces(project.root / "tmp", keep=True)
    kept = keeping.create(task, "a")
    keeping.remove(kept)
    keeping.close()
    assert (kept.path / "README.md").is_file()


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_git_task_is_checked_out_at_its_commit(project, tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    _git(upstream, "init", "-q")
    (upstream / "app.py").write_text("version = 1\n")
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "-q", "-m", "one")
    first = _git(upstream, "rev-parse", "HEAD")
    (upstream / "app.py").write_text("version = 2\n")
    _git(upstream, "commit", "-q", "-am", "two")
    source = f"repo: {{git: {upstream}, commit: {first}}}\n"
    task_yaml = "instruction: x\nverify: {command: ['true']}\n" + source
    task = load_task(project.add_task("g", task_yaml, {}))
    workspaces = Workspaces(project.root / "tmp")
    workspace = workspaces.create(task, "g")
    assert (workspace.path / "app.py").read_text() == "version = 1\n"
    assert workspace.base == first
    (workspace.path / "app.py").write_text("version = 3\n")
    assert measure_diff(workspace).paths == ("app.py",)
    workspaces.close()
