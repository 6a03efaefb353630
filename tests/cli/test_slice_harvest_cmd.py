"""``slice harvest`` from the command line: options, bad input, other languages by template."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from agent_evals.tasks import load_slice

from ..harvest_repo import build_history, commit, git


@pytest.fixture
def python_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )


def test_slice_and_classify_together_is_a_usage_error(run_cli, tmp_path):
    repo = build_history(tmp_path / "calc")
    result = run_cli("slice", "harvest", "--repo", str(repo), "--slice", "x", "--classify")
    assert result.exit_code == 2
    assert "--slice and --classify both name the slice; pass one of them" in result.stderr


def test_a_folder_that_is_not_a_repository_is_named_with_the_fix(run_cli, tmp_path):
    (tmp_path / "plain").mkdir()
    result = run_cli("slice", "harvest", "--repo", str(tmp_path / "plain"))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "pass --repo a local git repository with at least one commit" in line


def test_max_stops_after_that_many_tasks_newest_first(run_cli, tmp_path, python_on_path):
    repo = build_history(tmp_path / "calc")
    result = run_cli(
        "slice", "harvest", "--repo", str(repo), "--max", "1", "--slice", "mine", "--workers", "3"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "kept: 1 (migration-risky 1)"
    (task,) = load_slice(tmp_path / "slices" / "mine").tasks
    assert task.instruction.startswith("Users get an email column")
    # Changes checked past the limit leave nothing behind in the snapshot repository.
    refs = git(
        tmp_path / "slices" / "mine" / "snapshots.git", "for-each-ref", "--format=%(refname)"
    )
    assert refs.split() == [f"refs/harvest/source/{task.id}", f"refs/tasks/{task.id}"]


def _shell_repo(repo: Path) -> Path:
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "Start", {"lib/value.txt": "1\n", "checks/start.sh": "true\n"}, "2025-01-01")
    commit(
        repo,
        "Value two",
        {"lib/value.txt": "2\n", "checks/value.sh": "grep -q 2 lib/value.txt\n"},
        "2025-02-01",
    )
    commit(repo, "Go side", {"go/x.go": "package x\n", "go/x_test.go": "package x\n"}, "2025-03-01")
    return repo


def test_other_languages_harvest_with_a_verify_template(run_cli, tmp_path):
    repo = _shell_repo(tmp_path / "sh")
    (tmp_path / "release.yaml").write_text(
        "release: {incumbent: a, candidate: b-1, evalSlices: [harvested]}\n"
        "harvest: {verify: 'sh {tests}', testPaths: ['checks/*.sh']}\n"
    )
    result = run_cli("--config", "release.yaml", "slice", "harvest", "--repo", str(repo))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "kept: 1 (bugfix-small 1)",
        "skipped: 2 (first commit 1, no tests 1)",
    ]
    (task,) = load_slice(tmp_path / "slices" / "harvested").tasks
    assert task.verify_command == ("sh", "checks/value.sh")


def test_without_a_template_tests_no_runner_is_known_for_are_counted(run_cli, tmp_path):
    repo = _shell_repo(tmp_path / "sh")
    result = run_cli("slice", "harvest", "--repo", str(repo))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "kept: 0",
        "skipped: 3 (first commit 1, no tests 1, no test command 1)",
    ]
