"""What both task formats share: the file names that mark a task folder and its instruction."""

from __future__ import annotations

from pathlib import Path

from agent_evals.errors import TaskError

TASK_FILE = "task.yaml"
INSTRUCTION_FILE = "instruction.md"
HARBOR_FILE = "task.toml"


def is_task_folder(path: Path) -> bool:
    """Whether a folder holds a task (``task.yaml`` or Harbor's ``task.toml``)."""
    return (path / TASK_FILE).is_file() or (path / HARBOR_FILE).is_file()


def read_instruction(directory: Path, where: Path) -> str:
    """The text of ``instruction.md``; an error when neither it nor ``instruction`` exists."""
    path = directory / INSTRUCTION_FILE
    if not path.is_file():
        raise TaskError(f"{where}: no instruction; set 'instruction' or add {INSTRUCTION_FILE}")
    return path.read_text(encoding="utf-8")
