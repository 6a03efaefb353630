"""``harbor``: Harbor job folders with one result.json per trial."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.errors import ImportFormatError
from agent_evals.store import Store

from .conftest import FIXTURES, Importing


def test_trials_become_runs_with_epochs_and_statuses(importing: Importing, store: Store) -> None:
    summary = importing("harbor", FIXTURES / "harbor" / "job-1")
    assert summary.written == 4  # the job's own result.json is not a trial
    runs = {(r.task_id, r.epoch): r for r in store.runs("r1")}
    assert {k: r.status for k, r in runs.items()} == {
        ("fix-median", 0): "resolved",
        ("fix-median", 1): "unresolved",
        ("parse-dates", 0): "timeout",
        ("add-cli", 0): "infra_error",
    }
    first = runs["fix-median", 0]
    assert (first.tokens.input, first.tokens.cache_read, first.tokens.output) == (15000, 5000, 1200)
    assert (first.tokens.total, first.cost_usd, first.latency_s) == (21200, 0.12, 120.0)
    assert (first.agent, first.agent_version) == ("claude-code", "2.0.31")
    assert runs["add-cli", 0].tokens.total is None


def test_an_unreadable_trial_names_its_file(
    importing: Importing, store: Store, tmp_path: Path
) -> None:
    trial = tmp_path / "t__1"
    trial.mkdir()
    (trial / "result.json").write_text('{"trial_name": "t__1",\n "task_name": }')
    with pytest.raises(ImportFormatError, match=r"t__1/result.json:2: not valid JSON"):
        importing("harbor", tmp_path)
    assert store.count_runs() == 0


def test_infrastructure_limits_and_multi_step_trials_are_attributed(
    importing: Importing, store: Store
) -> None:
    importing("harbor", FIXTURES / "harbor" / "job-2")
    runs = {(r.task_id, r.epoch): r for r in store.runs("r1")}
    assert {k: r.status for k, r in runs.items()} == {
        ("build-wheel", 0): "infra_error",  # EnvironmentStartTimeoutError
        ("build-wheel", 1): "infra_error",  # Docker compose build failure (a RuntimeError)
        ("parse-logs", 0): "infra_error",  # RateLimitError
        ("long-refactor", 0): "limit_exceeded",  # ContextLengthExceededError
        ("migrate-db", 0): "resolved",
        ("partial-fix", 0): "unresolved",  # reward 0.75 below the default threshold 1
    }
    assert runs["parse-logs", 0].detail.startswith("RateLimitError: litellm.RateLimitError")
    steps = runs["migrate-db", 0]  # two steps, no agent_result of the trial's own
    assert (steps.tokens.input, steps.tokens.cache_read, steps.tokens.output) == (16000, 8000, 2000)
    assert (steps.tokens.total, steps.cost_usd) == (26000, pytest.approx(0.12))


def test_a_reward_threshold_decides_partial_rewards(importing: Importing, store: Store) -> None:
    importing("harbor", FIXTURES / "harbor" / "job-2", score_threshold=0.75)
    assert {r.task_id: r.status for r in store.runs("r1")}["partial-fix"] == "resolved"
