"""Human review counts override automatic ones, on stored runs and on runs stored later."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.store.reviews import ReviewEntry, add_review, apply_reviews, reviews

RELEASE = "inc..cand"


def _run(task_id: str, epoch: int, lane: str = "candidate") -> RunRecord:
    return RunRecord(
        release=RELEASE,
        task_id=task_id,
        slice="bugfix-small",
        lane=lane,  # type: ignore[arg-type]
        model="m-1",
        status="resolved",
        epoch=epoch,
        review_comments=1,
        review_source="auto",
    )


def _review(count: int, epoch: int | None = None, task_id: str = "t") -> ReviewEntry:
    return ReviewEntry(RELEASE, "candidate", task_id, count, datetime.now(UTC), epoch, "ana")


def _counts(store: Store) -> dict[tuple[str, str, int], tuple[int | None, str | None]]:
    return {
        (r.lane, r.task_id, r.epoch): (r.review_comments, r.review_source)
        for r in store.runs(RELEASE)
    }


def test_review_rewrites_matching_stored_runs_only() -> None:
    store = Store.memory()
    store.write_runs([_run("t", 0), _run("t", 1), _run("u", 0), _run("t", 0, "incumbent")])
    assert add_review(store, _review(3)) == 2
    assert _counts(store) == {
        ("candidate", "t", 0): (3, "human"),
        ("candidate", "t", 1): (3, "human"),
        ("candidate", "u", 0): (1, "auto"),
        ("incumbent", "t", 0): (1, "auto"),
    }


def test_an_epochs_own_review_beats_a_review_of_all_epochs() -> None:
    store = Store.memory()
    store.write_runs([_run("t", 0), _run("t", 1)])
    add_review(store, _review(5, epoch=1))
    assert add_review(store, _review(2)) == 1
    assert _counts(store)[("candidate", "t", 0)] == (2, "human")
    assert _counts(store)[("candidate", "t", 1)] == (5, "human")
    recorded = reviews(store, RELEASE, "candidate")
    assert [(r.count, r.epoch, r.by) for r in recorded] == [(5, 1, "ana"), (2, None, "ana")]
    later = [apply_reviews(_run("t", e), recorded) for e in (0, 1, 2)]
    assert [r.review_comments for r in later] == [2, 5, 2]
    assert apply_reviews(_run("other", 0), recorded).review_source == "auto"
