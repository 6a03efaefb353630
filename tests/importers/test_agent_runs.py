"""Per-task agent records: trajectories and agent CLI outputs, with or without results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.errors import ImportFormatError
from agent_evals.store import Store

from .conftest import FIXTURES, Importing


def runs_by_task(store: Store) -> dict[str, object]:
    return {r.task_id: r for r in store.runs("r1")}


def results_file(tmp_path: Path, resolved: list[str], unresolved: list[str]) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"resolved_ids": resolved, "unresolved_ids": unresolved}))
    return path


def test_mini_swe_agent_trajectories_map_exit_statuses(importing: Importing, store: Store) -> None:
    importing("mini-swe-agent", FIXTURES / "mini-swe-agent")
    runs = {r.task_id: r for r in store.runs("r1")}
    assert runs["fix-median"].status == "missing"  # submitted, never evaluated
    assert runs["parse-dates"].status == "limit_exceeded"
    assert runs["fix-median"].tokens.total == 8400 and runs["fix-median"].cost_usd == 0.0115
    assert runs["fix-median"].tokens.source == "imported" and runs["fix-median"].api_calls == 4


def test_results_decide_which_trajectories_resolved(
    importing: Importing, store: Store, tmp_path: Path
) -> None:
    results = results_file(tmp_path, ["fix-median"], [])
    importing("mini-swe-agent", FIXTURES / "mini-swe-agent", results=results)
    runs = {r.task_id: r.status for r in store.runs("r1")}
    assert runs == {"fix-median": "resolved", "parse-dates": "limit_exceeded"}


def test_swe_agent_exit_without_submission(
    importing: Importing, store: Store, tmp_path: Path
) -> None:
    traj = {"info": {"exit_status": "exit_cost", "submission": None, "model_stats": {
        "total_cost": 9.0, "instance_cost": 3.0, "tokens_sent": 600000, "tokens_received": 3000,
        "api_calls": 38}}}  # fmt: skip
    (tmp_path / "acme__lib-7.traj").write_text(json.dumps(traj))
    importing("swe-agent", tmp_path)
    (run,) = store.runs("r1")
    assert (run.task_id, run.status, run.cost_usd) == ("acme__lib-7", "limit_exceeded", 3.0)
    assert run.diff.files_changed == 0


def test_a_malformed_trajectory_names_its_file_and_line(
    importing: Importing, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "good-1.traj").write_text(
        json.dumps({"info": {"exit_status": "submitted", "submission": "", "model_stats": {}}})
    )
    (tmp_path / "bad-2.traj").write_text('{\n  "info": {\n    "model_stats": [}\n}')
    with pytest.raises(ImportFormatError, match=r"bad-2.traj:3: not valid JSON"):
        importing("swe-agent", tmp_path)
    assert store.count_runs() == 0
    summary = importing("swe-agent", tmp_path, skip_bad=True)
    assert summary.written == 1 and summary.skipped_count == 1


@pytest.mark.parametrize(
    ("agent", "ended", "tokens"),
    [
        ("claude-code", "limit_exceeded", 8819),
        ("codex", "agent_error", 25885),
        ("gemini-cli", "limit_exceeded", 25576),
        ("aider", "agent_error", 14892),
    ],
)
def test_agent_outputs_one_file_per_task(
    importing: Importing, store: Store, tmp_path: Path, agent: str, ended: str, tokens: int
) -> None:
    importing(agent, FIXTURES / agent, results=results_file(tmp_path, ["fix-median"], []))
    runs = {r.task_id: r for r in store.runs("r1")}
    assert runs["fix-median"].status == "resolved"
    assert runs["fix-median"].tokens.total == tokens
    assert runs["fix-median"].agent == agent
    assert runs["parse-dates"].status == ended


def test_claude_code_stream_json_output(importing: Importing, store: Store) -> None:
    importing("claude-code", FIXTURES / "claude-code" / "add-cli.jsonl")
    (run,) = store.runs("r1")
    assert (run.task_id, run.status, run.tokens.total, run.cost_usd) == (
        "add-cli",
        "missing",  # the agent finished; nobody evaluated it
        19991,
        0.0371745,
    )
    assert run.diff.files_changed == 1 and run.api_calls == 4


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        ("claude-code", "t1.json"),
        ("codex", "t1.jsonl"),
        ("gemini-cli", "t1.json"),
        ("aider", "t1.jsonl"),
        ("mini-swe-agent", "t1.traj.json"),
    ],
)
def test_agent_output_in_the_wrong_format_names_file_and_line(
    importing: Importing, store: Store, tmp_path: Path, agent: str, name: str
) -> None:
    (tmp_path / name).write_text('{"type": "result"}\nnot json\n')
    with pytest.raises(ImportFormatError, match=rf"{name}:2: .*not JSON"):
        importing(agent, tmp_path)
    assert store.count_runs() == 0
