"""Bulk run writes: the same rows as SQLAlchemy's own upsert, with literals escaped per dialect."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import Store
from agent_evals.store.runs import RUN_COLUMNS, record_to_row, task_key
from agent_evals.store.schema import RUN_KEY, runs


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path}/runs.db")
    else:
        s = Store(request.getfixturevalue("pg_url"))
        with s.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM runs")
    yield s
    s.close()


def full_run(task: str, **changes: object) -> RunRecord:
    values: dict[str, object] = {
        "release": "r",
        "task_id": task,
        "slice": "s",
        "lane": "candidate",
        "model": "m",
        "status": "resolved",
        "tokens": TokenUsage(100, 20, 5, None, source="metered"),
        "cost_usd": 1,
        "latency_s": 2.5,
        "diff": DiffStats(2, 10, 3),
        "out_of_scope_files": ("ops/deploy.sh",),
        "policy_violations": (PolicyViolation("forbidden-path", "touched 'migrations/0001.py'"),),
        "review_comments": 2,
        "review_source": "human",
        "api_calls": 7,
        "started_at": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        "ended_at": datetime(2026, 11, 20, 10, 1, 30, 250000, tzinfo=UTC),
        "detail": "100% of it's fine",
    }
    values.update(changes)
    return RunRecord(**values)  # type: ignore[arg-type]


def stored_rows(store: Store) -> list[tuple[object, ...]]:
    columns = [runs.c[c] for c in RUN_COLUMNS]
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*columns).order_by(runs.c.task_id))]


def test_rows_match_what_sqlalchemy_would_store(store: Store) -> None:
    records = [full_run("a"), full_run("b", started_at=None, policy_violations=())]
    store.write_runs(records)
    written = stored_rows(store)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM runs")
        dialect = postgresql if store.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(runs)
        statement = statement.on_conflict_do_update(
            index_elements=list(RUN_KEY),
            set_={c: statement.excluded[c] for c in RUN_COLUMNS if c not in RUN_KEY},
        )
        conn.execute(statement, [record_to_row(r) for r in records])
    assert stored_rows(store) == written
    first = store.runs("r")[0]
    assert first.policy_violations == records[0].policy_violations
    assert (first.tokens.total, first.cost_usd, first.diff) == (125, 1.0, DiffStats(2, 10, 3))


def test_constants_are_written_as_escaped_literals(store: Store) -> None:
    tricky = "it's 100%; DROP TABLE runs; --"
    row = record_to_row(full_run("x", model=tricky))
    columns = [c for c in RUN_COLUMNS if c not in ("model", "out_of_scope_files", "release")]
    constants = {"model": tricky, "out_of_scope_files": ["a'b.py"], "release": "r"}
    written = store.write_columns(columns, [tuple(row[c] for c in columns)], constants=constants)
    assert written == 1
    (run,) = store.runs("r")
    assert run.model == tricky and run.out_of_scope_files == ("a'b.py",)
    assert run.task_id == "x" and stored_rows(store)[0][RUN_COLUMNS.index("task_key")] == task_key(
        "x"
    )


def test_atomic_writes_keep_nothing_when_the_rows_fail(store: Store) -> None:
    def rows() -> Iterator[dict[str, object]]:
        for i in range(5):
            yield record_to_row(full_run(f"t{i}"))
        raise ValueError("the source broke")

    with pytest.raises(ValueError, match="the source broke"):
        store.write_rows(rows(), batch_size=2, atomic=True)
    assert store.count_runs() == 0
    with pytest.raises(ValueError):
        store.write_rows(rows(), batch_size=2)
    assert store.count_runs() == 4  # without atomic, each whole batch commits


def test_every_run_column_must_be_given_once(store: Store) -> None:
    with pytest.raises(ValueError, match=r"missing \['detail'\]"):
        store.write_columns([c for c in RUN_COLUMNS if c != "detail"], [])
    with pytest.raises(ValueError, match=r"extra \['model'\]"):
        store.write_columns(RUN_COLUMNS, [], constants={"model": "m"})
