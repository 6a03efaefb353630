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
