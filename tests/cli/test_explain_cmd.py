"""``agent-evals explain --task ID``: one task's runs side by side."""

from __future__ import annotations

import json

from agent_evals.records import DiffStats, PolicyViolation

from .test_terminal import run, seed_store


def test_one_task_shows_both_lanes_side_by_side(run_cli, config_file, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    broke = (PolicyViolation("forbidden-path", "edited migrations/0001.py"),)
    seed_store(
        config_file,
        [
            run("mig-1", "incumbent", 20000, diff=DiffStats(1, 5, 0)),
            run("mig-1", "candidate", 28000, diff=DiffStats(2, 9, 2), policy_violations=broke),
            run("mig-2", "candidate", 1000),
        ],
    )
    table = run_cli("explain", "--task", "mig-1")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert any("incumbent" in line and "candidate" in line for line in lines)
    tokens = next(line for line in lines if "tokens" in line)
    assert "20000 (metered)" in tokens and "28000 (metered)" in tokens
    assert "forbidden-path: edited migrations/0001.py" in table.stdout
    assert "2 files +9 -2" in table.stdout

    document = json.loads(run_cli("explain", "--task", "mig-1", "--format", "json").stdout)
    assert [r["lane"] for r in document["runs"]] == ["incumbent", "candidate"]


def test_an_unknown_task_gets_a_did_you_mean(run_cli, config_file):
    seed_store(config_file)
    result = run_cli("explain", "--task", "mig-01")
    assert result.exit_code == 2
    assert "unknown task 'mig-01'; did you mean" in result.stderr
