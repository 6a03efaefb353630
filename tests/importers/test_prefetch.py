"""Large tables are read in a forked process; the results are the same as reading in-line."""

from __future__ import annotations

import pytest

from agent_evals.errors import ImportFormatError
from agent_evals.importers import ImportOptions, ImportRequest, run_import, runs_table
from agent_evals.importers.prefetch import can_fork
from agent_evals.store import Store

from .conftest import FIXTURES, Importing

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork to read in a child process")


@pytest.fixture(autouse=True)
def every_table_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs_table, "LARGE_FILE_BYTES", 1)


def test_a_forked_read_stores_the_same_runs_and_counts(importing: Importing, store: Store) -> None:
    summary = importing("runs", FIXTURES / "runs" / "runs.jsonl", batch_size=1)
    assert summary.statuses == {"resolved": 1, "unresolved": 1, "infra_error": 1}
    inline = Store.memory()
    options = ImportOptions(release="r1", lane="candidate", model="acme-coder-v2")
    runs_table.LARGE_FILE_BYTES = 1 << 60
    run_import(inline, ImportRequest("runs", (FIXTURES / "runs" / "runs.jsonl",), options))
    assert store.runs("r1") == inline.runs("r1")


def test_a_bad_record_read_in_the_child_stops_the_import(
    importing: Importing, store: Store
) -> None:
    with pytest.raises(ImportFormatError, match=r"bad_value.jsonl:2"):
        importing("runs", FIXTURES / "runs" / "bad_value.jsonl", batch_size=1)
    assert store.count_runs() == 0
    summary = importing("runs", FIXTURES / "runs" / "bad_value.jsonl", skip_bad=True)
    assert summary.written == 2 and summary.skipped_count == 1
