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
