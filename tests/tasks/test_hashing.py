"""Content hashes: stable for the same files, different when anything changes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from agent_evals.tasks import load_task

TASK = "instruction: x\nverify: {command: ['true']}\n"


def test_same_files_in_another_place_hash_the_same(tmp_path: Path, write_task) -> None:
    first = write_task(tmp_path / "a", "t", TASK, {"src/m.py": "x = 1\n", "README.md": "r\n"})
    second = tmp_path / "b" / "t"
    shutil.copytree(first, second)
    assert load_task(first).content_hash == load_task(second).content_hash


def test_any_change_to_repo_or_task_changes_the_hash(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "t", TASK, {"src/m.py": "x = 1\n"})
    original = load_task(folder).content_hash
    (folder / "repo" / "src" / "m.py").write_text("x = 2\n")
    edited = load_task(folder).content_hash
    (folder / "repo" / "src" / "new.py").write_text("")
    added = load_task(folder).content_hash
    (folder / "task.yaml").write_text(TASK + "risk: high\n")
    retasked = load_task(folder).content_hash
    assert len({original, edited, added, retasked}) == 4


def test_caches_do_not_change_the_hash(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "t", TASK, {"src/m.py": "x = 1\n"})
    original = load_task(folder).content_hash
    (folder / "repo" / "src" / "__pycache__").mkdir()
    (folder / "repo" / "src" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    assert load_task(folder).content_hash == original


def test_the_hash_is_fixed_by_relative_paths_and_bytes(tmp_path: Path, write_task) -> None:
    folder = write_task(tmp_path, "t", TASK, {"a.txt": "a\n"})
    expected = hashlib.sha256()
    for rel, data in (("repo/a.txt", b"a\n"), ("task.yaml", TASK.encode())):
        expected.update(f"{rel}\0{len(data)}\0".encode() + data)
    assert load_task(folder).content_hash == "sha256:" + expected.hexdigest()
