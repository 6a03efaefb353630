"""``slice harvest`` on a small repository: exactly the expected tasks, each verified, replayed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from agent_evals.harness.measure import run_verify
from agent_evals.harness.workspace import Workspaces, git
from agent_evals.scripted_model import parse_script, serve_in_thread
from agent_evals.tasks import load_slice

from ..harvest_repo import ISSUES, KEPT, SKIPPED, build_history

INCUMBENT = "gpt-5.3-coder-2026-06-15"
CANDIDATE = "gpt-5.4-coder-2026-10-01"
CONFIG = f"""\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [bugfix-small, refactor-medium, migration-risky]
models:
  gpt-5.3-coder: {{model: {INCUMBENT}, baseUrl: URL, trainingCutoff: 2024-12-31}}
  gpt-5.4-coder: {{model: {CANDIDATE}, baseUrl: URL}}
agent: {{type: builtin, maxTurns: 6, timeoutSeconds: 60}}
"""


@pytest.fixture
def harvested(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The small repository harvested with --classify into a project beside it."""
    # Verify commands run `python`: make it this interpreter.
    monkeypatch.setenv(
        "PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    repo = build_history(tmp_path / "calc")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "model-release.yaml").write_text(CONFIG)
    (tmp_path / "issues.json").write_text(json.dumps(ISSUES))
    result = run_cli(
        "slice",
        "harvest",
        "--repo",
        str(repo),
        "--classify",
        "--issues",
        "issues.json",
        "--workers",
        "2",
    )
    assert result.exit_code == 0, result.stderr
    return tmp_path, repo, result


def _tasks(root: Path) -> dict[str, object]:
    return {
        task.id: task
        for kind in set(KEPT.values())
        for task in load_slice(root / "config" / "slices" / kind, kind).tasks
    }


@pytest.mark.slow
def test_the_harvest_keeps_the_changes_with_failing_tests_and_counts_every_other(harvested):
    root, repo, result = harvested
    assert result.stdout.splitlines()[1:] == [
        "kept: 3 (bugfix-small 1, migration-risky 1, refactor-medium 1)",
        "skipped: 5 (merge 1, first commit 1, no tests 2, not failing before 1)",
    ]
    subjects = dict(line.split(" ", 1) for line in git(repo, "log", "--format=%H %s").splitlines())
    tasks = _tasks(root)
    found = {subjects[t.source_commit]: t.directory.parent.name for t in tasks.values()}
    assert found == KEPT
    assert {reason: int(n) for reason, n in _skips(result.stdout).items()} == SKIPPED


def _skips(stdout: str) -> dict[str, str]:
    inside = stdout.splitlines()[2].split("(", 1)[1].rstrip(")")
    return dict(part.rsplit(" ", 1) for part in inside.split(", "))


@pytest.mark.slow
def test_each_task_fails_on_its_snapshot_and_passes_on_its_source_change(harvested):
    root, _, _ = harvested
    workspaces = Workspaces(root / "work")
    try:
        for task in _tasks(root).values():
            workspace = workspaces.create(task, task.id)
            assert not run_verify(task, workspace, 60).passed, task.id
            git(workspace.path, "checkout", "-q", "-f", task.source_commit)
            assert run_verify(task, workspace, 60).passed, task.id
    finally:
        workspaces.close()


@pytest.mark.slow
def test_tasks_carry_their_instruction_scope_policy_risk_and_source(harvested):
    root, repo, _ = harvested
    tasks = _tasks(root)
    (bugfix,) = [t for t in tasks.values() if t.directory.parent.name == "bugfix-small"]
    assert bugfix.instruction.startswith("Fix the mean of an odd total (#7)")
    assert "Issue #7:\n\nmean([1, 2]) returns 1 instead of 1.5" in bugfix.instruction
    assert "- tests/test_calc.py" in bugfix.instruction
    assert "Tests: test_mean_of_an_odd_total" in bugfix.instruction
    assert bugfix.verify_command == ("python", "-m", "unittest", "tests/test_calc.py")
    assert set(bugfix.scope) >= {"calc/__init__.py", "tests/test_calc.py", "calc/**"}
    assert bugfix.policy.forbidden_paths == ("secrets/**",)
    assert bugfix.risk == "low"
    assert bugfix.source_date is not None and bugfix.source_date.year == 2024
    (migration,) = [t for t in tasks.values() if t.directory.parent.name == "migration-risky"]
    assert migration.risk == "high"
    spec = yaml.safe_load((migration.directory / "task.yaml").read_text())
    assert spec["source"]["repository"] == str(repo.resolve())


def _solution_turns(repo: Path, task) -> list[dict]:
    """The scripted model writes the source change's code files, then finishes."""
    changed = git(repo, "show", "--format=", "--name-only", task.source_commit).split()
    code = [p for p in changed if not p.startswith("tests/")]
    writes = [
        {
            "toolCalls": [
                {
                    "name": "write_file",
                    "arguments": {
                        "path": path,
                        "content": git(repo, "show", f"{task.source_commit}:{path}"),
                    },
                }
            ],
            "usage": {"prompt_tokens": 900, "completion_tokens": 100},
        }
        for path in code
    ]
    finish = {"toolCalls": [{"name": "finish", "arguments": {"summary": "done"}}]}
    return [*writes, finish]


@pytest.mark.slow
def test_the_harvested_slices_replay_with_the_builtin_agent_on_the_scripted_model(
    harvested, run_cli
):
    root, repo, _ = harvested
    tasks = _tasks(root)
    turns = {task.id: _solution_turns(repo, task) for task in tasks.values()}
    script = {"models": {model: {"tasks": turns} for model in (INCUMBENT, CANDIDATE)}}
    config = root / "config" / "model-release.yaml"
    with serve_in_thread(parse_script(script)) as url:
        config.write_text(CONFIG.replace("URL", url))
        for kind in sorted(set(KEPT.values())):
            result = run_cli("replay", "--lane", "candidate", "--slice", kind)
            assert result.exit_code == 0, result.stdout + result.stderr
            assert result.stdout.splitlines()[-7:][1] == "success_rate: 1.00"
            assert result.stdout.splitlines()[-2] == "promotion_status: PROMOTE"
        health = run_cli("slice", "health")
    assert health.exit_code == 0, health.stderr
    flagged = [line for line in health.stdout.splitlines() if "contamination risk" in line]
    # The incumbent's cut-off is 2024-12-31: the 2024 bugfix and refactor, not the 2025 migration.
    assert [line.split()[0] for line in flagged] == [
        f"{t.id}"
        for t in sorted(_tasks(root).values(), key=lambda t: t.id)
        if t.source_date.year == 2024
    ]
    assert all(f"before the training cut-off of {INCUMBENT}" in line for line in flagged)


# A change of this project with a regression test: the shadow step and the live stages' plan.
OWN_CHANGE = "61da7420fb949a4419a9cee10306137fc607d5fd"


@pytest.mark.slow
def test_this_projects_own_history_harvests_a_checked_task(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    root = Path(__file__).resolve().parents[2]
    clone = tmp_path / "agent-evals"
    git(tmp_path, "clone", "-q", "--no-checkout", str(root), str(clone))
    git(clone, "reset", "-q", "--soft", OWN_CHANGE)
    result = run_cli("slice", "harvest", "--repo", str(clone), "--max", "1", "--classify")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["kept: 1 (bugfix-small 1)", "skipped: 0"]
    (task,) = load_slice(tmp_path / "slices" / "bugfix-small").tasks
    assert task.source_commit == OWN_CHANGE
    assert task.verify_command[-1] == "tests/analysis/test_planning.py"
    assert "test_a_shadow_step_leaves_the_live_stages_their_whole_planned_exposure" in (
        task.instruction
    )
