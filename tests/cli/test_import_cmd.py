"""``agent-evals import`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

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
