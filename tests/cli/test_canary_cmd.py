"""``agent-evals canary`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..replays import live_ladder_of, pass_replays_of


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_EVALS_ACTOR", "ops-bot")


def test_start_is_refused_until_a_drill_passes(run_cli, config_file: Path) -> None:
    live_ladder_of(config_file)
    refused = run_cli("canary", "start")
    assert refused.exit_code == 2
    assert "no fire drill has passed" in refused.stderr
    assert "run agent-evals canary drill" in refused.stderr
    drill = run_cli("canary", "drill", "--format", "json")
    assert drill.exit_code == 0 and json.loads(drill.stdout)["passed"] is True
    pass_replays_of(config_file)
    started = run_cli("canary", "start", "--format", "json")
    assert started.exit_code == 0
    assert json.loads(started.stdout)["stage"] == "stage-1"


def test_status_promote_rollback_and_evaluate(run_cli, config_file: Path) -> None:
    live_ladder_of(config_file)
    run_cli("canary", "drill")
    pass_replays_of(config_file)
    run_cli("canary", "start")
    status = json.loads(run_cli("canary", "status", "--format", "json").stdout)
    assert (status["stage"], status["share"], status["routing"]) == ("stage-1", 0.1, "open")
    assert status["stage_review"]["finished_tasks"] == "0/245"
    assert "stage: stage-1" in run_cli("canary", "status").stdout
    not_ready = run_cli("canary", "promote", "--from", "stage-1")
    assert not_ready.exit_code == 2 and "pass --force" in not_ready.stderr
    forced = run_cli("canary", "promote", "--from", "stage-1", "--force", "--reason", "hotfix")
    assert forced.exit_code == 0 and "action: override" in forced.stdout
    stale = run_cli("canary", "promote", "--from", "stage-1", "--force")
    assert stale.exit_code == 4 and "is at stage-2, not stage-1" in stale.stderr
    rolled = run_cli("canary", "rollback", "--reason", "pager alert")
    assert rolled.exit_code == 0 and "stage: rolled-back" in rolled.stdout
    held = run_cli("canary", "evaluate")
    assert held.exit_code == 0 and "nothing to evaluate" in held.stdout


def test_freeze_trust_and_explain(run_cli, config_file: Path) -> None:
    assert run_cli("canary", "freeze", "--reason", "change freeze").exit_code == 0
    assert run_cli("canary", "freeze", "--reason", "again").exit_code == 2
    assert run_cli("canary", "unfreeze").exit_code == 0
    refused = run_cli("canary", "trust", "--slice", "bugfix-small", "--reason", "x")
    assert refused.exit_code == 2 and "is not pinned" in refused.stderr
    trusted = run_cli("canary", "trust", "--risk", "high", "--reason", "reviewed")
    assert trusted.exit_code == 0
    explained = json.loads(
        run_cli("canary", "explain", "--task-id", "t-1", "--format", "json").stdout
    )
    assert explained["lane"] == "incumbent"
    assert explained["reason"].startswith("release not started")
    assert [line.split()[1] for line in explained["timeline"]] == [
        "register",
        "freeze",
        "unfreeze",
        "trust",
    ]


def test_the_default_ladder_starts_in_shadow_after_the_replay_gate(
    run_cli, config_file: Path
) -> None:
    run_cli("canary", "drill")
    refused = run_cli("canary", "start")
    assert refused.exit_code == 2 and "replay decision is not PROMOTE" in refused.stderr
    pass_replays_of(config_file)
    started = json.loads(run_cli("canary", "start", "--format", "json").stdout)
    assert (started["stage"], started["share"]) == ("shadow", 0.0)
