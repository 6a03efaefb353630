"""PostgreSQL's COPY paths store and read back exactly what the SQLite paths do."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from agent_evals.records import PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import Store
from agent_evals.store.runs import RUN_COLUMNS, record_to_row

pytestmark = pytest.mark.postgres


@pytest.fixture
def stores(pg_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """A SQLite store and the PostgreSQL test store."""
    pair = (Store(f"sqlite:///{tmp_path}/runs.db"), Store(pg_url))
    yield pair
    for store in pair:
        store.close()


def _run(release: str, i: int, *, status: str = "resolved", tokens: int | None = 100) -> RunRecord:
    return RunRecord(
        release=release,
        task_id=f"task-{i:03d}",
        slice=("bugfix-small", "refactor-medium")[i % 2],
        lane=("incumbent", "candidate")[i % 3 == 0],
        model="m-2026-01-01",
        epoch=i % 2,
        status=status,  # type: ignore[arg-type]
        tokens=TokenUsage(input=tokens, output=7, source="metered") if tokens else TokenUsage(),
        cost_usd=None if i % 5 == 0 else i / 1000,
        cost_source="metered" if i % 5 else "missing",
        latency_s=i * 1.5,
        review_comments=i % 4 if i % 7 else None,
        review_source="auto" if i % 7 else None,
        policy_violations=(PolicyViolation("forbidden, paths", f"it's 'quoted' {i}"),)
        if i % 6 == 0
        else (),
        out_of_scope_files=(f"a,{i}.py",) if i % 4 == 0 else (),
        started_at=datetime(2026, 11, 25, 9, i % 60, tzinfo=UTC),
        detail="tab\there\nnewline \\ backslash" if i % 9 == 0 else None,
    )


def _stored(store: Store, release: str) -> list[RunRecord]:
    """The release's runs in key order; times in UTC (SQLite hands them back naive)."""
    runs = sorted(store.runs(release), key=lambda r: (r.task_id, r.lane, r.epoch))
    return [replace(r, started_at=r.started_at and r.started_at.replace(tzinfo=UTC)) for r in runs]


def test_copy_ingest_stores_what_the_row_by_row_path_stores(stores: tuple[Store, Store]) -> None:
    release = f"copy-{uuid.uuid4().hex[:8]}"
    first = [_run(release, i) for i in range(60)]
    # The same keys again, changed, and one key twice in one batch: the last one wins.
    second = [_run(release, i, status="unresolved", tokens=None) for i in range(0, 60, 3)]
    second += [_run(release, 3, status="agent_error", tokens=999)]
    for store in stores:
        store.write_runs(first, batch_size=25)
        store.write_runs(second)
    on_sqlite, on_pg = (_stored(store, release) for store in stores)
    assert len(on_pg) == 60 and on_pg == on_sqlite
    assert next(r for r in on_pg if r.task_id == "task-003").status == "agent_error"


def test_copy_ingest_writes_constants_and_atomic_batches_alike(
    stores: tuple[Store, Store],
) -> None:
    release = f"copy-{uuid.uuid4().hex[:8]}"
    constant = {"release": release, "model": "m-2026-01-01", "source": "import"}
    columns = [c for c in RUN_COLUMNS if c not in constant]
    rows = [record_to_row(_run(release, i)) for i in range(30)]
    for store in stores:
        store.write_columns(
            columns,
            ([row[c] for c in columns] for row in rows),
            constants=constant,
            atomic=True,
            batch_size=7,
        )
    on_sqlite, on_pg = (_stored(store, release) for store in stores)
    assert len(on_pg) == 30 and on_pg == on_sqlite
    assert {r.source for r in on_pg} == {"import"}


def test_packed_runs_read_by_copy_match_sqlite(stores: tuple[Store, Store]) -> None:
    release = f"copy-{uuid.uuid4().hex[:8]}"
    for store in stores:
        store.write_runs([_run(release, i) for i in range(80)])
    sqlite_rows, pg_rows = (store.packed_runs(release, order=("bugfix-small",)) for store in stores)
    assert sqlite_rows.slices == pg_rows.slices == ("bugfix-small", "refactor-medium")
    assert len(pg_rows.rows) == 80
    by_key = ["packed", "task"]
    np.testing.assert_array_equal(
        np.sort(sqlite_rows.rows, order=by_key), np.sort(pg_rows.rows, order=by_key)
    )
