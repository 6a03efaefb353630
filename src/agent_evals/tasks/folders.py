"""What both task formats share: the files that mark a task folder, its instruction, its bounds."""

from __future__ import annotations

from pathlib import Path

from agent_evals.errors import TaskError

TASK_FILE = "task.yaml"
INSTRUCTION_FILE = "instruction.md"
HARBOR_FILE = "task.toml"
INSIDE_RULE = "a task's files and folders must stay inside its folder"


def is_task_folder(path: Path) -> bool:
    """Whether a folder holds a task (``task.yaml`` or Harbor's ``task.toml``)."""
    return (path / TASK_FILE).is_file() or (path / HARBOR_FILE).is_file()


def confined(directory: Path, path: Path, what: str) -> Path:
    """``path`` with its symlinks resolved; a :class:`TaskError` when that leaves ``directory``.

    Checked before anything at ``path`` is read or copied: a task folder from elsewhere must
    not turn a secret of this machine into a prompt, a workspace file or an error message.
    """
    resolved = path.resolve()
    if not resolved.is_relative_to(directory.resolve()):
        raise TaskError(
            f"{path}: {what} leads to {resolved}, outside the task folder {directory}; "
            f"{INSIDE_RULE}: copy it in instead of pointing at it"
        )
    return resolved


def read_instruction(directory: Path, where: Path) -> str:
    """The text of ``instruction.md``; an error when neither it nor ``instruction`` exists."""
    path = directory / INSTRUCTION_FILE
    if not path.is_file():
        raise TaskError(f"{where}: no instruction; set 'instruction' or add {INSTRUCTION_FILE}")
    data = confined(directory, path, INSTRUCTION_FILE).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TaskError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the instruction as UTF-8"
        ) from None
