"""The example's tasks, checked without the harness: each lane's scripted writes, verified.

For every task the repository snapshot must fail its verify command as written, and each
lane's ``write_file`` turns from ``scripts/models.yaml`` must pass or fail it as designed.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent_evals.config import load_config
from agent_evals.example import SCRIPT_FILE, write_example
from agent_evals.tasks import Task, load_config_slice, match_any
from agent_evals.types import Lane

# Whether each lane's change passes the task's verify command: (incumbent, candidate).
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "repo-onboarding": {
        "document-statkit": (True, True),
        "inventory-usage": (True, True),
        "textool-cli-docs": (True, True),
        "schemakit-migration-guide": (True, True),
    },
    "bugfix-small": {
        "fix-median-even": (True, True),
        "fix-sample-variance": (True, True),
        "fix-remove-overdraw": (False, True),  # the incumbent's fix refuses to empty the shelf
        "fix-slugify-edges": (True, True),
    },
    "refactor-medium": {
        "extract-quantiles": (True, True),
        "extract-storage": (True, True),
        "split-cli": (True, True),
        "extract-discovery": (True, True),
    },
    "test-generation": {
        "tests-percentile": (False, True),  # the incumbent's test expects a wrong quartile
        "tests-low-stock": (True, True),
        "tests-wrap": (True, True),
        "tests-discover": (True, True),
    },
    "migration-risky": {
        "unique-user-email": (True, True),
        "order-status": (True, True),
        "user-created-at": (True, True),
        "order-total-cents": (True, True),
        "drop-legacy-sessions": (True, True),
    },
}
PROMOTE_SLICES = ("repo-onboarding", "bugfix-small", "test-generation")
HEAVY_SLICES = ("refactor-medium", "migration-risky")
MODELS: dict[Lane, str] = {
    "incumbent": "gpt-5.3-coder-2026-06-15",
    "candidate": "gpt-5.4-coder-2026-10-01",
}
CASES = [(s, t) for s, tasks in EXPECTED.items() for t in tasks]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example, written once for the module."""
    root = tmp_path_factory.mktemp("example")
    write_example(root)
    return root


@pytest.fixture(scope="module")
def tasks(example: Path) -> dict[str, Task]:
    """Every task of the example, loaded by the tasks room, by id."""
    loaded = load_config(example / "config" / "model-release.yaml")
    return {t.id: t for s in EXPECTED for t in load_config_slice(loaded, s).tasks}


@pytest.fixture(scope="module")
def script(example: Path) -> dict[str, Any]:
    """The scripted model's script as written."""
    data: dict[str, Any] = yaml.safe_load((example / SCRIPT_FILE).read_text(encoding="utf-8"))
    return data


def turns(script: dict[str, Any], lane: Lane, task_id: str) -> list[dict[str, Any]]:
    """The scripted turns of a lane's model on a task."""
    result: list[dict[str, Any]] = script["models"][MODELS[lane]]["tasks"][task_id]
    return result


def writes(script: dict[str, Any], lane: Lane, task_id: str) -> dict[str, str]:
    """The files a lane's model writes on a task, by path."""
    return {
        call["arguments"]["path"]: call["arguments"]["content"]
        for turn in turns(script, lane, task_id)
        for call in turn["toolCalls"]
        if call["name"] == "write_file"
    }


def verify(task: Task, files: dict[str, str], workspace: Path) -> bool:
    """Whether the task's verify command passes on its snapshot with ``files`` written."""
    assert task.snapshot is not None
    shutil.copytree(task.snapshot, workspace)
    for path, content in files.items():
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(content, encoding="utf-8")
    argv = list(task.verify_command)
    if argv[0] == "python":
        argv[0] = sys.executable
    done = subprocess.run(argv, cwd=workspace, capture_output=True, timeout=120, check=False)
    return done.returncode == 0


def test_the_five_slices_hold_the_designed_tasks(tasks: dict[str, Task], example: Path) -> None:
    for slice_name, designed in EXPECTED.items():
        folder = example / "slices" / slice_name
        assert sorted(p.name for p in folder.iterdir()) == sorted(designed)
        assert len(designed) >= 4
    assert len(tasks) == len(CASES)
    assert all(t.scope and t.snapshot for t in tasks.values())


@pytest.mark.parametrize(("slice_name", "task_id"), CASES)
def test_lanes_pass_or_fail_verify_as_designed(
    slice_name: str,
    task_id: str,
    tasks: dict[str, Task],
    script: dict[str, Any],
    tmp_path: Path,
) -> None:
    task = tasks[task_id]
    assert not verify(task, {}, tmp_path / "untouched"), "the task is solved before any change"
    outcome = tuple(verify(task, writes(script, lane, task_id), tmp_path / lane) for lane in MODELS)
    assert outcome == EXPECTED[slice_name][task_id]


def test_every_run_tests_and_finishes(script: dict[str, Any]) -> None:
    for _, task_id in CASES:
        for lane in MODELS:
            names = [turn["toolCalls"][0]["name"] for turn in turns(script, lane, task_id)]
            assert names[-2:] == ["run_command", "finish"]
            assert (
                "python -m unittest"
                in turns(script, lane, task_id)[-2]["toolCalls"][0]["arguments"]["command"]
            )


def test_only_one_candidate_run_edits_a_forbidden_migration(
    tasks: dict[str, Task], script: dict[str, Any]
) -> None:
    def breaking(lane: Lane) -> list[str]:
        return [
            task_id
            for task_id in EXPECTED["migration-risky"]
            if any(
                match_any(tasks[task_id].policy.forbidden_paths, p)
                for p in writes(script, lane, task_id)
            )
        ]

    assert tasks["unique-user-email"].policy.forbidden_paths == ("migrations/0001_initial.py",)
    assert breaking("incumbent") == []
    assert breaking("candidate") == ["unique-user-email"]


def test_promoting_slices_keep_the_candidate_in_scope(
    tasks: dict[str, Task], script: dict[str, Any]
) -> None:
    for slice_name in PROMOTE_SLICES:
        for task_id in EXPECTED[slice_name]:
            for path, content in writes(script, "candidate", task_id).items():
                assert match_any(tasks[task_id].scope, path), (task_id, path)
                assert "TODO" not in content and "FIXME" not in content


def test_refactor_candidate_strays_out_of_scope(
    tasks: dict[str, Task], script: dict[str, Any]
) -> None:
    strays = [
        task_id
        for task_id in EXPECTED["refactor-medium"]
        if any(not match_any(tasks[task_id].scope, p) for p in writes(script, "candidate", task_id))
    ]
    assert len(strays) == 3


def _median_tokens(script: dict[str, Any], lane: Lane, slice_name: str) -> float:
    solved = [t for t, lanes in EXPECTED[slice_name].items() if lanes[lane == "candidate"]]
    return statistics.median(
        sum(
            u["usage"]["prompt_tokens"] + u["usage"]["completion_tokens"]
            for u in turns(script, lane, t)
        )
        for t in solved
    )


@pytest.mark.parametrize("slice_name", list(EXPECTED))
def test_token_ratio_is_clearly_inside_or_outside_the_gate(
    slice_name: str, script: dict[str, Any]
) -> None:
    ratio = _median_tokens(script, "candidate", slice_name) / _median_tokens(
        script, "incumbent", slice_name
    )
    if slice_name in HEAVY_SLICES:
        assert 1.40 <= ratio < 1.50
    else:
        assert ratio <= 1.10
