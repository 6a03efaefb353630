"""Workspace folders of a killed replay are removed by the next one; nothing else is."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from agent_evals.harness.leftovers import MARKER
from agent_evals.harness.workspace import Workspaces


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_only_marked_folders_nobody_holds_are_removed(tmp: Path) -> None:
    killed = tmp / "agent-evals-killed"
    (killed / "fix-median-candidate-e0-x").mkdir(parents=True)
    (killed / MARKER).touch()  # marked, and no process holds its lock: its replay is gone
    demo = tmp / "agent-evals-demo-x"
    demo.mkdir()  # not a workspace folder: never touched
    running = Workspaces()
    kept = Workspaces(keep=True)
    kept.close()

    Workspaces().close()

    assert not killed.exists()
    assert demo.is_dir()
    assert running.root.is_dir()  # its replay still holds it
    assert kept.root.is_dir() and not (kept.root / MARKER).exists()
    running.close()
    assert not running.root.exists()
