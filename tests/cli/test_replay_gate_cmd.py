"""No live share before every eval slice's replay says PROMOTE, or an audited override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.records import PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import DEFAULT_DB_DIR, DEFAULT_DB_FILE, Store, sqlite_url

from ..replays import live_ladder_of, pass_replays_of

RELEASE = "gpt-5.3-coder..gpt-5.4-coder"


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_EVALS_ACTOR", "dana")


def block_migrations(config_file: Path) -> None:
    """Replace the migration replays with ones where the candidate breaks a rule."""
    store = Store(sqlite_url(config_file.parent / DEFAULT_DB_DIR / DEFAULT_DB_FILE))
    violation = (PolicyViolation("forbidden-path", "edited migrations/0001.py"),)
    store.write_runs(
        [
            RunRecord(
                release=RELEASE,
                task_id=f"migration-risky-replayed-{i}",
                slice="migration-risky",
                lane="candidate",
                model="gpt-5.4-coder",
                status="resolved",
                tokens=TokenUsage(total=1000, source="metered"),
                review_comments=0,
                policy_violations=violation if i == 0 else (),
                task_hash="v1",
            )
            for i in range(3)
        ]
    )
    store.close()


def test_a_blocked_replay_refuses_the_start_naming_each_slice(run_cli, config_file):
    live_ladder_of(config_file)
    pass_replays_of(config_file)
    block_migrations(config_file)
    assert run_cli("canary", "drill").exit_code == 0

    refused = run_cli("canary", "start")
    assert refused.exit_code == 2
    assert "migration-risky BLOCKED (policy failure)" in refused.stderr
    assert "bugfix-small" not in refused.stderr  # the slices that passed are not named
    assert "--override-replay --reason WHY" in refused.stderr
    assert json.loads(run_cli("canary", "status", "--format", "json").stdout)["stage"] == "ready"

    no_reason = run_cli("canary", "start", "--override-replay")
    assert no_reason.exit_code == 2 and "--override-replay needs --reason" in no_reason.stderr

    started = run_cli(
        "canary", "start", "--override-replay", "--reason", "vendor fix verified by hand"
    )
    assert started.exit_code == 0
    assert "stage: stage-1" in started.stdout
    start = json.loads(run_cli("audit", "--format", "json").stdout)["entries"][-1]
    assert (start["action"], start["actor"]) == ("start", "dana")
    assert start["reasons"] == [
        "vendor fix verified by hand",
        "replay gate overridden by dana: migration-risky BLOCKED (policy failure)",
    ]

    status = json.loads(run_cli("canary", "status", "--format", "json").stdout)
    assert status["replay_override"] == "by dana: vendor fix verified by hand"
    check = run_cli("check").stdout
    assert (
        "[x] replay decision PROMOTE on every eval slice (or an audited override): "
        "migration-risky BLOCKED (policy failure); overridden by dana: vendor fix verified by hand"
    ) in check


def test_every_slice_promoted_opens_the_start_and_check_says_so(run_cli, config_file):
    run_cli("canary", "drill")
    missing = run_cli("check").stdout
    assert "[ ] replay decision PROMOTE on every eval slice" in missing
    assert "repo-onboarding INCONCLUSIVE (no candidate runs)" in missing
    pass_replays_of(config_file)
    assert "PROMOTE on all 5 eval slices" in run_cli("check").stdout
    assert run_cli("canary", "start").exit_code == 0


def test_a_restart_after_a_rollback_needs_a_reason_and_is_audited(run_cli, config_file):
    pass_replays_of(config_file)
    run_cli("canary", "drill")
    run_cli("canary", "start")
    run_cli("canary", "rollback", "--reason", "pager alert")
    bare = run_cli("canary", "start")
    assert bare.exit_code == 2
    assert "was rolled back (pager alert)" in bare.stderr and "needs --reason" in bare.stderr
    again = run_cli("canary", "start", "--reason", "prompt fixed, replays rerun")
    assert again.exit_code == 0
    log = json.loads(run_cli("audit", "--format", "json").stdout)["entries"]
    assert (log[-1]["action"], log[-1]["reasons"]) == ("start", ["prompt fixed, replays rerun"])
