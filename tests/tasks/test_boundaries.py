"""A task's files stay inside its folder, and a task folder holds no FIFO, socket or device.

Each refusal is a task error (exit 2) naming the file and the rule; the target of a link that
leads out is never read, so no secret of this machine becomes a prompt or an error message.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from agent_evals.errors import TaskError
from agent_evals.tasks import load_task

SECRET = "sk-operator-secret"
TASK = "instruction: Fix it.\nverify: {command: ['true']}\n"
OUTSIDE_RULE = "outside the task folder"
LINK_RULE = "a task's files and folders must stay inside its folder"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    folder = tmp_path / "operator"
    folder.mkdir()
    path = folder / "credentials"
    path.write_text(f"key = {SECRET}\n", encoding="utf-8")
    return path


def _refused(folder: Path, *fragments: str) -> str:
    with pytest.raises(TaskError) as caught:
        load_task(folder)
    message = str(caught.value)
    assert SECRET not in message
    for fragment in fragments:
        assert fragment in message
    return message


@pytest.mark.parametrize("path", ["../../../../etc", "/etc", "../sibling"])
def test_repo_path_outside_the_task_folder_is_refused(tmp_path: Path, write_task, path) -> None:
    (tmp_path / "sibling").mkdir()
    folder = write_task(tmp_path, "escape", TASK + f"repo: {{path: '{path}'}}\n")
    _refused(folder, "repo.path", OUTSIDE_RULE, f"outside the task folder {folder}")


def test_a_repo_folder_that_is_a_link_out_is_refused(tmp_path: Path, write_task, secret) -> None:
    folder = write_task(tmp_path, "linked-repo", TASK)
    (folder / "repo").symlink_to(secret.parent)
    _refused(folder, str(folder / "repo"), OUTSIDE_RULE)


@pytest.mark.parametrize("relative", [True, False])
def test_a_symlink_in_repo_leading_out_is_refused(
    tmp_path: Path, write_task, secret, relative: bool
) -> None:
    folder = write_task(tmp_path, "link-out", TASK, {"a.txt": "a\n"})
    link = folder / "repo" / "config.txt"
    link.symlink_to(os.path.relpath(secret, link.parent) if relative else secret)
    _refused(folder, str(link), LINK_RULE)


def test_a_link_in_repo_to_the_task_folder_is_refused_as_the_workspace_is_copied_alone(
    tmp_path: Path, write_task
) -> None:
    folder = write_task(tmp_path, "link-up", TASK, {"a.txt": "a\n"})
    (folder / "repo" / "up").symlink_to("..")
    _refused(folder, str(folder / "repo" / "up"), LINK_RULE)


def test_a_relative_link_inside_repo_is_kept(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "link-in", TASK, {"docs/guide.md": "# guide\n"})
    (folder / "repo" / "GUIDE.md").symlink_to("docs/guide.md")
    (folder / "repo" / "manual").symlink_to("docs")
    assert load_task(folder).snapshot == folder / "repo"


def test_an_instruction_md_link_to_a_secret_is_refused_and_never_read(
    tmp_path: Path, write_task, secret
) -> None:
    folder = write_task(tmp_path, "prompt-leak", "verify: {command: ['true']}\n")
    (folder / "instruction.md").symlink_to(secret)
    _refused(folder, str(folder / "instruction.md"), LINK_RULE)


def test_a_task_yaml_link_to_a_secret_is_refused_and_never_read(tmp_path: Path, secret) -> None:
    folder = tmp_path / "yaml-leak"
    folder.mkdir()
    (folder / "task.yaml").symlink_to(secret)
    _refused(folder, str(folder / "task.yaml"), OUTSIDE_RULE)


def test_harbor_tests_and_instruction_links_out_are_refused(tmp_path: Path, secret) -> None:
    folder = tmp_path / "harbor"
    (folder / "environment").mkdir(parents=True)
    (folder / "task.toml").write_text("[metadata]\n")
    (folder / "instruction.md").write_text("Do it.\n")
    (folder / "tests").symlink_to(secret.parent)
    _refused(folder, str(folder / "tests"), OUTSIDE_RULE)
    (folder / "tests").unlink()
    (folder / "tests").mkdir()
    (folder / "tests" / "test.sh").write_text("true\n")
    (folder / "instruction.md").unlink()
    (folder / "instruction.md").symlink_to(secret)
    _refused(folder, str(folder / "instruction.md"), LINK_RULE)


def test_a_fifo_in_the_snapshot_is_refused_instead_of_read(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "fifo", TASK, {"a.txt": "a\n"})
    os.mkfifo(folder / "repo" / "pipe")
    _refused(folder, str(folder / "repo" / "pipe"), "a FIFO, not a regular file", "remove it")


def test_a_fifo_named_like_the_policy_file_is_refused_before_it_is_read(
    tmp_path: Path, write_task
) -> None:
    folder = write_task(tmp_path, "fifo-agents", TASK, {"a.txt": "a\n"})
    os.mkfifo(folder / "repo" / "AGENTS.md")
    _refused(folder, str(folder / "repo" / "AGENTS.md"), "a FIFO")


def test_a_socket_in_the_task_folder_is_refused(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "sock", TASK, {"a.txt": "a\n"})
    server = socket.socket(socket.AF_UNIX)
    # AF_UNIX paths are short: bind from inside the folder with a relative name.
    cwd = Path.cwd()
    os.chdir(folder / "repo")
    try:
        server.bind("s.sock")
    finally:
        os.chdir(cwd)
        server.close()
    _refused(folder, str(folder / "repo" / "s.sock"), "a socket")


def test_a_non_utf8_instruction_is_a_clear_error(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "latin1", "verify: {command: ['true']}\n")
    (folder / "instruction.md").write_bytes("Corrigez la fonction médiane.\n".encode("latin-1"))
    message = _refused(folder, str(folder / "instruction.md"), "not UTF-8 text")
    assert "byte 0xe9 at offset 22" in message and "save the instruction as UTF-8" in message


def test_a_non_utf8_harbor_task_toml_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "harbor-utf16"
    (folder / "tests").mkdir(parents=True)
    (folder / "task.toml").write_bytes("[metadata]\n".encode("utf-16"))
    _refused(folder, str(folder / "task.toml"), "not UTF-8 text")


def test_slice_lock_on_a_fifo_exits_2_naming_it(run_cli, project) -> None:
    folder = project.add_task("fifo", TASK, {"a.txt": "a\n"})
    os.mkfifo(folder / "repo" / "pipe")
    result = run_cli("--config", str(project.config_path), "slice", "lock")
    assert result.exit_code == 2
    assert f"{folder / 'repo' / 'pipe'}: a FIFO, not a regular file" in result.stderr
    assert "Traceback" not in result.stderr
