"""``agent-evals plan``: the tasks each gate needs, shown before a release spends them."""

from __future__ import annotations

import json
from pathlib import Path

from ..replays import live_ladder_of


def test_plan_prints_replay_tasks_per_epoch_and_each_stages_exposure(
    run_cli, config_file: Path
) -> None:
    live_ladder_of(config_file)
    result = run_cli("plan", "--tasks-per-day", "400")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("plan at alpha 0.05; spreads from defaults")
    success = next(line for line in lines if line.startswith("success "))
    assert success.split()[4:9] == ["4710", "/", "1570", "/", "942"]
    assert (
        "stage share 0.1: 245 candidate tasks (planned from default spreads), about 6.1 days"
        in lines
    )


def test_plan_as_json_and_the_one_line_in_config_check(run_cli, config_file: Path) -> None:
    document = json.loads(run_cli("plan", "--format", "json").stdout)
    assert [g["gate"] for g in document["gates"]] == ["success", "tokens", "review"]
    assert document["live_tasks"] <= sum(s["min_tasks"] for s in document["stages"])
    checked = run_cli("config", "check").stdout.splitlines()
    assert checked[1].startswith("# plan: replay paired tasks for 80% power at 1 epoch")
