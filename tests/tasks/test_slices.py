"""Slices: loading, where the config puts them, lock files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.config import parse_config
from agent_evals.errors import TaskError
from agent_evals.tasks import load_slice, lock_drift, read_lock, slice_path, write_lock

TASK = "instruction: x\nverify: {command: ['true']}\n"
CONFIG = "release: {incumbent: a-1, candidate: b-2, evalSlices: [bugfix-small]}\n"


def test_slice_loads_every_task_sorted_by_id(tmp_path: Path, write_task) -> None:
    write_task(tmp_path / "s", "zeta", TASK)
    write_task(tmp_path / "s", "b-folder", "id: alpha\n" + TASK)
    (tmp_path / "s" / "notes").mkdir()
    loaded = load_slice(tmp_path / "s")
    assert loaded.name == "s"
    assert [t.id for t in loaded.tasks] == ["alpha", "zeta"]


def test_duplicate_task_ids_are_refused(tmp_path: Path, write_task) -> None:
    write_task(tmp_path / "s", "one", "id: same\n" + TASK)
    write_task(tmp_path / "s", "two", "id: same\n" + TASK)
    with pytest.raises(TaskError, match="task id 'same' is used by both"):
        load_slice(tmp_path / "s")


def test_missing_or_empty_slice_folder_is_explained(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match="does not exist"):
        load_slice(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TaskError, match="holds no task folders"):
        load_slice(tmp_path / "empty")


def test_slice_path_defaults_beside_the_config_and_follows_the_config(tmp_path: Path) -> None:
    config_file = tmp_path / "config" / "model-release.yaml"
    loaded = parse_config(CONFIG, config_file)
    assert slice_path(loaded, "bugfix-small") == tmp_path / "config" / "slices" / "bugfix-small"
    custom = parse_config(CONFIG + "slices: {bugfix-small: {path: ../tasks/bf}}\n", config_file)
    assert slice_path(custom, "bugfix-small") == tmp_path / "config" / "../tasks/bf"


def test_lock_records_hashes_and_reports_drift(tmp_path: Path, write_task) -> None:
    write_task(tmp_path / "s", "one", TASK, {"a.py": "a = 1\n"})
    write_task(tmp_path / "s", "two", TASK)
    original = load_slice(tmp_path / "s")
    lock_file = write_lock(original)
    assert json.loads(lock_file.read_text()) == original.hashes
    assert lock_drift(original, read_lock(original) or {}) == []

    (tmp_path / "s" / "one" / "repo" / "a.py").write_text("a = 2\n")
    write_task(tmp_path / "s", "three", TASK)
    changed = load_slice(tmp_path / "s")
    assert lock_drift(changed, read_lock(changed) or {}) == [
        "task 'one' of slice 's' changed since slice.lock was written",
        "task 'three' of slice 's' is not in slice.lock",
    ]


def test_slice_without_lock_has_none(tmp_path: Path, write_task) -> None:
    write_task(tmp_path / "s", "one", TASK)
    assert read_lock(load_slice(tmp_path / "s")) is None
