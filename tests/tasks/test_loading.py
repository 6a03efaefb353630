"""Loading task folders in the task.yaml format."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent_evals.errors import TaskError
from agent_evals.tasks import Policy, load_task

BASIC = """\
instruction: Fix the median.
verify:
  command: ["python", "-m", "unittest", "-q"]
  timeoutSeconds: 30
scope: ["stats/**"]
policy:
  forbiddenPaths: ["migrations/0001_*.py"]
  maxFilesChanged: 4
risk: medium
timeouts: {agentSeconds: 90}
"""


def test_task_yaml_loads_with_defaults_from_the_folder(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "fix-median", BASIC, {"stats/core.py": "x = 1\n"})
    task = load_task(folder)
    assert task.id == "fix-median"
    assert task.instruction == "Fix the median."
    assert task.verify_command == ("python", "-m", "unittest", "-q")
    assert task.verify_timeout_s == 30
    assert task.agent_timeout_s == 90
    assert task.scope == ("stats/**",)
    assert task.policy == Policy(("migrations/0001_*.py",), 4)
    assert task.risk == "medium"
    assert task.snapshot == folder / "repo"
    assert task.content_hash.startswith("sha256:")


def test_instruction_md_and_string_command(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "t", "id: custom\nverify: {command: 'pytest -q -k \"a b\"'}\n")
    (folder / "instruction.md").write_text("From the file.\n", encoding="utf-8")
    task = load_task(folder)
    assert task.id == "custom"
    assert task.instruction == "From the file.\n"
    assert task.verify_command == ("pytest", "-q", "-k", "a b")
    assert task.snapshot is None


def test_unknown_key_names_the_file_and_suggests_the_key(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "t", "instruction: x\nverify: {command: ['true']}\nscopes: []\n")
    with pytest.raises(TaskError) as caught:
        load_task(folder)
    message = str(caught.value)
    assert str(folder / "task.yaml") in message
    assert "scopes: unknown key; did you mean 'scope'?" in message


def test_nested_unknown_key_and_bad_value_are_explained(tmp_path: Path, write_task) -> None:
    text = "instruction: x\nverify: {command: ['true']}\npolicy: {maxFiles: 3}\nrisk: extreme\n"
    folder = write_task(tmp_path, "t", text)
    with pytest.raises(TaskError) as caught:
        load_task(folder)
    message = str(caught.value)
    assert "policy.maxFiles: unknown key; did you mean 'maxFilesChanged'?" in message
    assert "risk: 'extreme' is not allowed" in message


def test_missing_instruction_is_an_error(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "t", "verify: {command: ['true']}\n")
    with pytest.raises(TaskError, match=r"no instruction; set 'instruction' or add instruction.md"):
        load_task(folder)


def test_agents_md_policy_block_merges_into_the_task_policy(tmp_path: Path, write_task) -> None:
    agents_md = (
        "# Rules\n\n```agent-evals-policy\n"
        'forbiddenPaths: ["migrations/0001_initial.py"]\nmaxFilesChanged: 2\n'
        "noDependencyChanges: true\n```\n"
    )
    folder = write_task(tmp_path, "t", BASIC, {"AGENTS.md": agents_md})
    policy = load_task(folder).policy
    assert policy.forbidden_paths == ("migrations/0001_*.py", "migrations/0001_initial.py")
    assert policy.max_files_changed == 2
    assert policy.no_dependency_changes


def test_repo_instructions_can_be_turned_off(tmp_path: Path, write_task) -> None:
    agents_md = "```agent-evals-policy\nmaxFilesChanged: 1\n```\n"
    text = "instruction: x\nverify: {command: ['true']}\npolicy: {repoInstructions: false}\n"
    folder = write_task(tmp_path, "t", text, {"AGENTS.md": agents_md})
    assert load_task(folder).policy == Policy()


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_git_repo_at_a_commit(tmp_path: Path, write_task) -> None:
    repo = tmp_path / "upstream"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.py").write_text("a = 1\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "one")
    first = _git(repo, "rev-parse", "HEAD")
    source = f"repo: {{git: ../upstream, commit: {first[:8]}}}\n"
    text = "instruction: x\nverify: {command: ['true']}\n" + source
    task = load_task(write_task(tmp_path, "t", text))
    assert task.git_repo == repo.resolve()
    assert task.commit == first
    (repo / "a.py").write_text("a = 2\n")
    _git(repo, "commit", "-q", "-am", "two")
    assert load_task(tmp_path / "t").content_hash == task.content_hash


def test_unknown_commit_is_an_error(tmp_path: Path, write_task) -> None:
    repo = tmp_path / "upstream"
    repo.mkdir()
    _git(repo, "init", "-q")
    text = "instruction: x\nverify: {command: ['true']}\nrepo: {git: ../upstream, commit: abc123}\n"
    with pytest.raises(TaskError, match="commit 'abc123' not found"):
        load_task(write_task(tmp_path, "t", text))
