"""Harbor task folders load as tasks of this harness."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.errors import TaskError
from agent_evals.tasks import load_task

TASK_TOML = """\
version = "1.0"

[metadata]
author_name = "Ada"
difficulty = "easy"
category = "programming"
risk = "high"
scope = ["app/**"]

[verifier]
timeout_sec = 120.0

[agent]
timeout_sec = 300.0

[environment]
build_timeout_sec = 600.0
cpus = 1
"""


def _harbor(root: Path) -> Path:
    folder = root / "hello-harbor"
    (folder / "environment" / "app").mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "task.toml").write_text(TASK_TOML)
    (folder / "instruction.md").write_text("Create app/hello.txt saying hello.\n")
    (folder / "environment" / "Dockerfile").write_text("FROM python:3.11\n")
    (folder / "environment" / "app" / "main.py").write_text("print('hi')\n")
    (folder / "tests" / "test.sh").write_text("#!/bin/bash\ngrep -q hello app/hello.txt\n")
    return folder


def test_harbor_folder_loads(tmp_path: Path) -> None:
    task = load_task(_harbor(tmp_path))
    assert task.format == "harbor"
    assert task.id == "hello-harbor"
    assert task.instruction == "Create app/hello.txt saying hello.\n"
    assert task.verify_command == ("bash", "tests/test.sh")
    assert task.verify_timeout_s == 120.0
    assert task.agent_timeout_s == 300.0
    assert task.risk == "high"
    assert task.scope == ("app/**",)
    assert task.metadata["category"] == "programming"
    assert task.snapshot == tmp_path / "hello-harbor" / "environment"
    assert "Dockerfile" in task.exclude


def test_harbor_hash_covers_tests_and_instruction(tmp_path: Path) -> None:
    folder = _harbor(tmp_path)
    before = load_task(folder).content_hash
    (folder / "tests" / "test.sh").write_text("#!/bin/bash\nexit 0\n")
    assert load_task(folder).content_hash != before


def test_harbor_folder_needs_its_verifier(tmp_path: Path) -> None:
    folder = _harbor(tmp_path)
    (folder / "tests" / "test.sh").unlink()
    with pytest.raises(TaskError, match=r"needs tests/test\.sh"):
        load_task(folder)


def test_harbor_bad_toml_is_explained(tmp_path: Path) -> None:
    folder = _harbor(tmp_path)
    (folder / "task.toml").write_text("[verifier\n")
    with pytest.raises(TaskError, match="TOML syntax error"):
        load_task(folder)
