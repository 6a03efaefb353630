"""The builtin agent's tools and bookkeeping, without a model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent_evals.harness.agents.builtin_main import (
    OUTPUT_LIMIT,
    LoopOutcome,
    Workspace,
    _answer_calls,
)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    return Workspace(root, LoopOutcome(), env=dict(os.environ))


def _answer(workspace: Workspace, name: str, arguments: str) -> str:
    call = {"id": "c1", "function": {"name": name, "arguments": arguments}}
    [result] = _answer_calls(1, [call], workspace)
    assert result["tool_call_id"] == "c1"
    return str(result["content"])


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "", "."])
def test_paths_that_leave_the_workspace_are_refused(workspace: Workspace, path: str) -> None:
    with pytest.raises(PermissionError, match="outside the workspace"):
        workspace.resolve(path)


def test_paths_inside_resolve_under_the_root(workspace: Workspace) -> None:
    assert workspace.resolve("a/../b.txt") == workspace.root / "b.txt"


def test_write_then_read_round_trips(workspace: Workspace) -> None:
    assert _answer(workspace, "write_file", '{"path": "d/f.txt", "content": "hi"}').startswith(
        "wrote 2 characters"
    )
    assert _answer(workspace, "read_file", '{"path": "d/f.txt"}') == "hi"
    _answer(workspace, "write_file", '{"path": "empty.txt", "content": ""}')
    assert _answer(workspace, "read_file", '{"path": "empty.txt"}') == ""


def test_tool_mistakes_are_answered_not_raised(workspace: Workspace) -> None:
    assert _answer(workspace, "read_file", '{"path": "missing.txt"}').startswith("error:")
    assert "must be a JSON object" in _answer(workspace, "read_file", "{not json")
    assert "missing argument 'path'" in _answer(workspace, "read_file", "{}")
    assert "unknown tool 'delete'" in _answer(workspace, "delete", "{}")


def test_command_output_is_truncated_keeping_both_ends(workspace: Workspace) -> None:
    text = _answer(workspace, "run_command", '{"command": "seq 1 20000; exit 3"}')
    assert text.startswith("exit code: 3\n")
    assert "\n1\n2\n3\n" in text
    assert text.rstrip().endswith("20000")
    assert "characters cut" in text
    assert len(text) < OUTPUT_LIMIT + 200
    assert workspace.outcome.commands == ["seq 1 20000; exit 3"]


def test_finish_stops_the_remaining_calls(workspace: Workspace) -> None:
    calls = [
        {"id": "a", "function": {"name": "finish", "arguments": '{"summary": "ok"}'}},
        {"id": "b", "function": {"name": "run_command", "arguments": '{"command": "true"}'}},
    ]
    results = _answer_calls(1, calls, workspace)
    assert [r["tool_call_id"] for r in results] == ["a"]
    assert workspace.outcome.finished and workspace.outcome.summary == "ok"
    assert workspace.outcome.commands == []


def test_an_answer_without_usage_makes_the_sums_unknown() -> None:
    outcome = LoopOutcome()
    outcome.add_usage({"prompt_tokens": 10, "completion_tokens": 2})
    assert (outcome.prompt_tokens, outcome.completion_tokens, outcome.cached_tokens) == (10, 2, 0)
    outcome.add_usage(None)
    outcome.add_usage({"prompt_tokens": 10, "completion_tokens": 2})
    assert outcome.prompt_tokens is None and outcome.completion_tokens is None
    assert outcome.answered == 3
