"""Reads of stored runs: a task's latest run, and how the lanes' tasks overlap."""

from __future__ import annotations

import pytest

from agent_evals.records import RunRecord
from agent_evals.store import LaneOverlap, Store


def run(task: str, lane: str = "candidate", *, epoch: int = 0, source: str = "live", **kw):
    return RunRecord(
        release="r",
        task_id=task,
        slice=kw.pop("slice", "s"),
        lane=lane,  # type: ignore[arg-type]
        model="m",
        epoch=epoch,
        source=source,  # type: ignore[arg-type]
        status=kw.pop("status", "resolved"),
        **kw,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request):
    if request.param == "sqlite":
        s = Store.memory()
    else:
        s = Store(request.getfixturevalue("pg_url"))
        with s.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM runs")
    yield s
    s.close()


def test_a_tasks_latest_run_is_its_highest_epoch_from_the_asked_source(store):
    store.write_runs(
        [
            run("a", epoch=0, status="unresolved"),
            run("a", epoch=2, status="timeout"),
            run("a", epoch=1),
            run("a", epoch=5, source="replay"),
            run("b", epoch=9),
        ]
    )
    latest = store.latest_run("r", "a", source="live")
    assert latest is not None
    assert (latest.epoch, latest.status, latest.source) == (2, "timeout", "live")
    assert store.latest_run("r", "a", source="replay").epoch == 5
    assert store.latest_run("r", "missing-task", source="live") is None
    assert store.latest_run("other-release", "a", source="live") is None


def test_lane_overlap_counts_tasks_both_lanes_ran_and_those_only_one_ran(store):
    store.write_runs(
        [
            run("a", "incumbent"),
            run("a", "candidate"),
            run("a", "candidate", epoch=1),
            run("b", "incumbent"),
            run("b", "candidate", slice="other"),  # same id, another slice: another task
            run("c", "candidate"),
        ]
    )
    assert store.lane_overlap("r") == LaneOverlap(paired=1, incumbent_only=1, candidate_only=2)
    assert store.lane_overlap("no-runs") == LaneOverlap(0, 0, 0)
