"""The seed's own command on a fresh example project decides by itself, as SPEC section 6 says."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from agent_evals.errors import EXIT_BLOCKED
from agent_evals.scripted_model import load_script, serve_in_thread

SEED = ("replay", "--lane", "candidate", "--slice", "migration-risky")
SEED_BLOCK = [
    "slice: migration-risky",
    "success_rate: 1.00",
    "median_tokens: 18450",
    "policy_failures: 1",
    "review_comment_avg: 0.0",
    "promotion_status: BLOCKED",
    "reason: policy failure + token multiplier 1.43x",
]
NOTE = "no incumbent baseline at the current task versions for 5 of 5 tasks of migration-risky"


@pytest.fixture
def example(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh ``init --example`` project with its scripted model served on a free port."""
    # Verify commands run `python`: make it this interpreter.
    monkeypatch.setenv(
        "PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    assert run_cli("init", "--example").exit_code == 0
    config = tmp_path / "config" / "model-release.yaml"
    with serve_in_thread(load_script(tmp_path / "scripts" / "models.yaml")) as url:
        config.write_text(config.read_text().replace("http://127.0.0.1:9001/v1", url))
        yield run_cli


@pytest.mark.slow
def test_the_seed_command_replays_the_incumbent_first_and_prints_the_seed_block(example):
    first = example(*SEED)
    assert first.exit_code == EXIT_BLOCKED
    assert first.stdout.splitlines()[-7:] == SEED_BLOCK
    assert NOTE in first.stderr
    assert "replaying the incumbent first (--no-baseline to skip)" in first.stderr

    again = example(*SEED)
    assert again.exit_code == EXIT_BLOCKED
    assert again.stdout.splitlines()[-7:] == SEED_BLOCK
    assert "replaying the incumbent first" not in again.stderr


@pytest.mark.slow
def test_no_baseline_decides_on_stored_runs_only(example):
    result = example(*SEED, "--no-baseline")
    assert result.exit_code == 3
    assert result.stdout.splitlines()[-2:] == [
        "promotion_status: INCONCLUSIVE",
        "reason: no incumbent runs",
    ]
    assert "replaying the incumbent first" not in result.stderr
    both = example(*SEED, "--no-baseline", "--with-baseline")
    assert both.exit_code == 2
    assert "contradict" in both.stderr
