"""``agent-evals route`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from ..replays import live_ladder_of, pass_replays_of


def test_one_task_before_and_after_the_start(run_cli, config_file: Path) -> None:
    before = json.loads(run_cli("route", "--task-id", "t1", "--format", "json").stdout)
    assert before["lane"] == "incumbent" and before["rule"] == "state"
    assert 0.0 <= before["bucket"] < 1.0
    pass_replays_of(config_file)
    run_cli("canary", "drill")
    run_cli("canary", "start")
    table = run_cli("route", "--task-id", "t1", "--risk", "high")
    assert table.exit_code == 0
    assert "lane: incumbent" in table.stdout and "high-risk task" in table.stdout


def test_a_file_of_tasks_as_json_lines(run_cli, config_file: Path, tmp_path: Path) -> None:
    live_ladder_of(config_file)
    pass_replays_of(config_file)
    run_cli("canary", "drill")
    run_cli("canary", "start")
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(f"task-{i}" for i in range(2000)) + "\n\n")
    result = run_cli("route", "--task-ids-from", str(ids), "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2000
    assert set(rows[0]) == {"task_id", "lane", "model", "bucket", "rule", "reason", "shadow"}
    share = sum(r["lane"] == "candidate" for r in rows) / len(rows)
    assert 0.08 < share < 0.12
    assert all((r["lane"] == "candidate") == (r["bucket"] < 0.1) for r in rows)
    again = run_cli("route", "--task-ids-from", str(ids), "--format", "jsonl")
    assert again.stdout == result.stdout


def test_exactly_one_source_of_task_ids(run_cli, config_file: Path) -> None:
    result = run_cli("route")
    assert result.exit_code == 2 and "exactly one of --task-id" in result.stderr
