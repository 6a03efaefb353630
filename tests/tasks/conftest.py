"""Builders of task folders on disk."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

TaskWriter = Callable[..., Path]


@pytest.fixture
def write_task() -> TaskWriter:
    """Write a task folder: ``task.yaml`` text plus ``repo/`` files."""

    def write(root: Path, name: str, yaml_text: str, files: Mapping[str, str] = {}) -> Path:
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "task.yaml").write_text(yaml_text, encoding="utf-8")
        for rel, content in files.items():
            path = folder / "repo" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        return folder

    return write
