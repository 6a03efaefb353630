"""``inspect``: inspect_ai JSON eval logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.errors import ImportFormatError
from agent_evals.store import Store

from .conftest import FIXTURES, Importing


def test_samples_become_runs_with_epochs_usage_and_outcomes(
    importing: Importing, store: Store
) -> None:
    importing("inspect", FIXTURES / "inspect", slice_by="area")
    runs = {(r.task_id, r.epoch): r for r in store.runs("r1")}
    assert {k: r.status for k, r in runs.items()} == {
        ("fix-median", 0): "resolved",
        ("fix-median", 1): "unresolved",
        ("parse-dates", 0): "resolved",
        ("add-cli", 0): "infra_error",
        ("rename-flag", 0): "limit_exceeded",
    }
    first = runs["fix-median", 0]
    assert (first.tokens.input, first.tokens.output, first.tokens.cache_read) == (12000, 900, 3000)
    assert (first.tokens.total, first.cost_usd, first.latency_s) == (15900, 0.05, 90.0)
    assert runs["parse-dates", 0].cost_usd is None  # no cost in the log: unknown, not zero
    assert first.slice == "stats-lib"  # --slice-by FIELD reads the sample metadata


def test_a_sample_without_an_id_names_its_index(
    importing: Importing, store: Store, tmp_path: Path
) -> None:
    log = json.loads(next((FIXTURES / "inspect").glob("*.json")).read_text())
    del log["samples"][2]["id"]
    (tmp_path / "log.json").write_text(json.dumps(log))
    with pytest.raises(ImportFormatError, match=r"log.json: samples\[2\]: id must be"):
        importing("inspect", tmp_path / "log.json")
    assert store.count_runs() == 0


def test_a_real_eval_log_of_inspect_imports_every_sample(
    importing: Importing, store: Store, inspect_logs: Path
) -> None:
    (log,) = inspect_logs.glob("*.eval")
    summary = importing("inspect", log)
    assert (summary.written, summary.epochs) == (4, {0: 2, 1: 2})
    runs = {(r.task_id, r.epoch): r for r in store.runs("r1")}
    assert {k: r.status for k, r in runs.items()} == {
        ("fix-median", 0): "resolved",
        ("fix-median", 1): "resolved",
        ("parse-dates", 0): "unresolved",
        ("parse-dates", 1): "unresolved",
    }
    second = runs["fix-median", 1]
    assert (second.tokens.input, second.tokens.output, second.tokens.total) == (110, 25, 135)
    assert second.agent == "inspect_ai" and second.latency_s is not None


def test_a_folder_of_eval_logs_imports_them_all(
    importing: Importing, store: Store, inspect_logs: Path, tmp_path: Path
) -> None:
    (log,) = inspect_logs.glob("*.eval")
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "first.eval").write_bytes(log.read_bytes())
    (folder / "second.eval").write_bytes(log.read_bytes())
    summary = importing("inspect", folder)
    assert len(summary.files) == 2 and summary.written == 8
    assert (summary.new, summary.replaced) == (4, 4)  # the same samples: stored once
    assert store.count_runs("r1") == 4


def test_a_file_named_eval_that_is_no_log_names_the_file_and_the_fix(
    importing: Importing, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "broken.eval").write_text("not a zip archive")
    with pytest.raises(ImportFormatError, match=r"broken.eval: not an inspect_ai .eval log"):
        importing("inspect", tmp_path / "broken.eval")
    assert store.count_runs() == 0


def test_a_folder_without_logs_is_refused_instead_of_importing_nothing(
    importing: Importing, tmp_path: Path
) -> None:
    with pytest.raises(ImportFormatError, match=r"no inspect_ai logs \(\*.eval or \*.json\)"):
        importing("inspect", tmp_path)
