"""``agent-evals import`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.store import Store, sqlite_url

from ..conftest import RunCli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "importers"
RUNS = FIXTURES / "runs" / "runs.jsonl"


def test_without_a_config_release_and_model_are_required(run_cli: RunCli) -> None:
    result = run_cli("import", "runs", str(RUNS), "--lane", "candidate")
    assert result.exit_code == 2
    assert "give --release and --model" in result.stderr
    result = run_cli(
        "import", "runs", str(RUNS), "--lane", "candidate", "--release", "r1", "--model", "m1"
    )
    assert result.exit_code == 0, result.stderr
    assert "imported 3 runs (resolved 1, unresolved 1, infra_error 1)" in result.stdout
    assert "lanes: 0 tasks in both (compared paired), 0 only in incumbent, 3 only in candidate" in (
        result.stdout
    )


def test_the_config_names_release_and_model(run_cli: RunCli, config_file: Path) -> None:
    result = run_cli("import", "runs", str(RUNS), "--lane", "incumbent", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["release"] == "gpt-5.3-coder..gpt-5.4-coder"
    assert report["model"] == "gpt-5.3-coder"
    assert report["written"] == 3 and report["lanes"]["incumbent_only"] == 3


def test_a_malformed_record_exits_2_with_file_and_line(run_cli: RunCli) -> None:
    bad = FIXTURES / "runs" / "bad_value.jsonl"
    args = ["import", "runs", str(bad), "--lane", "candidate", "--release", "r1", "--model", "m"]
    result = run_cli(*args)
    assert result.exit_code == 2
    assert "bad_value.jsonl:2: cost must be a non-negative number, got -2" in result.stderr
    result = run_cli(*args, "--skip-bad")
    assert result.exit_code == 0
    assert "skipped 1 malformed records:" in result.stdout and "bad_value.jsonl:2" in result.stdout


def test_field_mappings_and_unknown_formats(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("name,ok\nt1,1\n")
    base = ["--lane", "candidate", "--release", "r1", "--model", "m"]
    result = run_cli(
        "import", "runs", str(table), *base, "--field", "task_id=name", "--field", "resolved=ok"
    )
    assert result.exit_code == 0, result.stderr
    assert "imported 1 runs (resolved 1)" in result.stdout
    assert run_cli("import", "runs", str(table), *base, "--field", "task_id").exit_code == 2
    assert run_cli("import", "swebenchh", str(table), *base).exit_code == 2


def test_every_import_prints_what_it_stored_and_the_store_agrees(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "runs.db"
    monkeypatch.setenv("AGENT_EVALS_DB", sqlite_url(db))
    trials = FIXTURES / "runs" / "tb_trials.csv"
    args = ["import", "runs", str(trials), "--lane", "candidate", "--release", "r1"]
    args += ["--model", "m", "--field", "resolved=is_resolved"]
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    assert "imported 12 runs (resolved 7, unresolved 5)" in first.stdout
    assert "stored: 12 new, 0 replaced; 3 epochs (runs per epoch: 4, 4, 4)" in first.stdout
    again = run_cli(*args)
    assert "stored: 0 new, 12 replaced; 3 epochs" in again.stdout
    store = Store(sqlite_url(db))
    assert store.count_runs("r1") == 12
    store.close()


def test_a_score_threshold_option_reads_scores_of_a_keyed_results_file(
    run_cli: RunCli, tmp_path: Path
) -> None:
    results = tmp_path / "scores.json"
    results.write_text('{"a": 0.9, "b": 0.4, "c": true}')
    base = ["import", "runs", str(results), "--lane", "candidate", "--release", "r1"]
    result = run_cli(*base, "--model", "m", "--score-threshold", "0.8")
    assert result.exit_code == 0, result.stderr
    assert "imported 3 runs (resolved 2, unresolved 1)" in result.stdout
    result = run_cli(*base, "--model", "m", "--score-threshold", "-1")
    assert result.exit_code == 2 and "--score-threshold" in result.stderr


def test_a_malformed_file_exits_2_naming_the_fix_and_keeps_what_was_stored(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "runs.db"
    monkeypatch.setenv("AGENT_EVALS_DB", sqlite_url(db))
    base = ["--lane", "candidate", "--release", "r1", "--model", "m"]
    assert run_cli("import", "runs", str(RUNS), *base).exit_code == 0
    broken = tmp_path / "results.json"
    broken.write_text('{"a": true, "b": [1]}')
    result = run_cli("import", "runs", str(broken), *base)
    assert result.exit_code == 2
    assert "results.json:1 (task 'b'): expected an object of run fields, got list" in result.stderr
    assert "true/false (resolved) or a number (a score)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    store = Store(sqlite_url(db))
    assert store.count_runs("r1") == 3  # the earlier import, untouched
    store.close()


def test_an_eval_file_that_is_no_log_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    log = tmp_path / "x.eval"
    log.write_text("{}")
    base = ["--lane", "candidate", "--release", "r1", "--model", "m"]
    result = run_cli("import", "inspect", str(log), *base)
    assert result.exit_code == 2
    assert "x.eval: not an inspect_ai .eval log" in result.stderr
