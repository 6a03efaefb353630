"""Writing the example: ``write_example`` and ``agent-evals init --example``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent_evals.config import load_config
from agent_evals.errors import UsageError
from agent_evals.example import CONFIG_FILE, SCRIPT_FILE, SLICES, example_tasks, write_example
from agent_evals.example.build import split_usage
from agent_evals.scripted_model import load_script


def test_writes_config_slices_script_and_readme(tmp_path: Path) -> None:
    config_path = write_example(tmp_path, base_url="http://127.0.0.1:5555/v1")
    assert config_path == tmp_path / CONFIG_FILE
    loaded = load_config(config_path)
    config = loaded.config
    assert loaded.warnings == ()
    assert config.release.eval_slices == SLICES
    assert config.model_id("gpt-5.3-coder") == "gpt-5.3-coder-2026-06-15"
    assert config.model_id("gpt-5.4-coder") == "gpt-5.4-coder-2026-10-01"
    assert {m.base_url for m in config.models.values()} == {"http://127.0.0.1:5555/v1"}
    assert config.slice_spec("migration-risky").policy_sensitive
    assert config.slice_spec("migration-risky").risk == "high"
    assert config.agent.type == "builtin"
    assert (tmp_path / "README.md").read_text(encoding="utf-8").startswith("# The agent-evals")
    task_files = list((tmp_path / "slices").glob("*/*/task.yaml"))
    assert len(task_files) == len(example_tasks()) == 21


def test_script_answers_every_task_for_both_exact_models(tmp_path: Path) -> None:
    write_example(tmp_path)
    script = load_script(tmp_path / SCRIPT_FILE)
    assert script.models == ("gpt-5.3-coder-2026-06-15", "gpt-5.4-coder-2026-10-01")
    for task in example_tasks():
        for model in script.models:
            first = script.turn(model, task.id, 0)
            assert first.tool_calls, (model, task.id)
            assert first.usage is not None


def test_repository_snapshots_carry_their_rules(tmp_path: Path) -> None:
    write_example(tmp_path)
    repo = tmp_path / "slices" / "migration-risky" / "order-status" / "repo"
    assert "agent-evals-policy" in (repo / "AGENTS.md").read_text(encoding="utf-8")
    assert (repo / "migrations" / "0001_initial.py").is_file()
    assert (repo / "tests" / "test_order_status.py").is_file()
    assert "__pycache__/" in (repo / ".gitignore").read_text(encoding="utf-8")


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    write_example(tmp_path)
    stray = tmp_path / "slices" / "bugfix-small" / "fix-median-even" / "repo" / "stray.py"
    stray.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="--force"):
        write_example(tmp_path)
    write_example(tmp_path, force=True)
    assert not stray.exists()


def test_usage_is_split_into_growing_turns_that_sum_to_the_total() -> None:
    usage = split_usage(12345, 5)
    totals = [u["prompt_tokens"] + u["completion_tokens"] for u in usage]
    assert sum(totals) == 12345
    assert totals == sorted(totals)
    assert all(u["completion_tokens"] < u["prompt_tokens"] for u in usage)


def test_init_example_writes_the_example(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    result = run_cli("init", "--example", "demo")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "demo" / CONFIG_FILE).is_file()
    assert (tmp_path / "demo" / SCRIPT_FILE).is_file()
    again = run_cli("init", "--example", "demo")
    assert again.exit_code == 2
    assert "--force" in again.stderr
