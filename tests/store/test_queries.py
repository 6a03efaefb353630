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


def test_incumbent_history_counts_the_models_other_releases_of_the_same_task_versions(store):
    def hist(release, task, lane="incumbent", *, model="m", task_hash="h-a", **kw):
        return RunRecord(
            release=release,
            task_id=task,
            slice="s",
            lane=lane,  # type: ignore[arg-type]
            model=model,
            source="replay",
            task_hash=task_hash,
            epoch=kw.pop("epoch", 0),
            status=kw.pop("status", "resolved"),
            review_comments=kw.pop("review", None),
        )

    store.write_runs(
        [
            hist("now", "a"),
            hist("now", "a", "candidate", model="new"),
            hist("now", "a", epoch=1, task_hash="h-a"),
            hist("now", "b", task_hash="h-b"),
            hist("old", "a", review=2),
            hist("old", "a", epoch=1, status="unresolved", review=0),
            hist("older", "a", "candidate"),
            hist("older", "a", "candidate", epoch=1, status="infra_error"),
            hist("old", "a", model="other", epoch=5),
            hist("old", "b", task_hash="h-b-changed"),
        ]
    )
    rows = store.incumbent_history("now", "m")
    assert [(r.slice, r.runs, r.resolved, r.review_sum, r.review_runs) for r in rows] == [
        ("s", 3, 2, 2, 2)
    ]
    assert store.incumbent_history("now", "m", sources=["live"]) == []
    assert store.incumbent_history("old", "m") != []
