"""Human review counts take precedence over automatic ones, whenever the runs are written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.store.reviews import ReviewEntry, add_review


def auto_run(task: str, epoch: int = 0) -> RunRecord:
    return RunRecord(
        release="r",
        task_id=task,
        slice="s",
        lane="candidate",
        model="m",
        status="resolved",
        epoch=epoch,
        review_comments=5,
        review_source="auto",
        source="import",
    )


def review(task: str, count: int, epoch: int | None = None) -> ReviewEntry:
    return ReviewEntry("r", "candidate", task, count, datetime.now(UTC), epoch, "dana")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path}/runs.db")
    else:
        s = Store(request.getfixturevalue("pg_url"))
        with s.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM runs")
            conn.exec_driver_sql("DELETE FROM reviews")
    yield s
    s.close()


def test_runs_written_after_a_review_get_the_human_count(store):
    add_review(store, review("a", 1))
    add_review(store, review("a", 0, epoch=1))
    store.write_runs([auto_run("a"), auto_run("a", epoch=1), auto_run("b")])
    counts = {(r.task_id, r.epoch): (r.review_comments, r.review_source) for r in store.runs("r")}
    assert counts == {("a", 0): (1, "human"), ("a", 1): (0, "human"), ("b", 0): (5, "auto")}


def test_a_bulk_import_keeps_earlier_human_counts(store):
    add_review(store, review("a", 2))
    store.write_runs([auto_run("a")], atomic=True)
    store.write_runs([auto_run("a")])
    assert [(r.review_comments, r.review_source) for r in store.runs("r")] == [(2, "human")]
