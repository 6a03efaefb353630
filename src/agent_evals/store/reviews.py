"""Human reviewer follow-up counts: recorded once, they override the automatic counts.

A review names a lane and a task, and optionally an epoch (without one it covers every
epoch). For each run the covering review is the newest one of its own epoch, else the
newest one without an epoch. Recording a review rewrites the matching stored runs; runs
stored later get it through ``apply_reviews`` before they are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from agent_evals.errors import StoreError
from agent_evals.records import RunRecord
from agent_evals.store import schema
from agent_evals.store.engine import write
from agent_evals.store.store import Store


@dataclass(frozen=True)
class ReviewEntry:
    """A human's count of follow-up comments on a lane's runs of one task."""

    release: str
    lane: str
    task_id: str
    count: int
    at: datetime
    epoch: int | None = None
    by: str | None = None


def covering_review(entries: Sequence[ReviewEntry], epoch: int) -> ReviewEntry | None:
    """The review that applies to a run of ``epoch`` among one task's reviews, oldest first."""
    own = [e for e in entries if e.epoch == epoch]
    if own:
        return own[-1]
    generic = [e for e in entries if e.epoch is None]
    return generic[-1] if generic else None


def add_review(store: Store, entry: ReviewEntry) -> int:
    """Record a review and apply it to the stored runs it covers; returns how many it changed."""
    try:
        return write(store.engine, lambda conn: _insert_review(conn, entry))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record the review: {exc}") from exc


def _insert_review(conn: Connection, entry: ReviewEntry) -> int:
    runs = schema.runs
    conn.execute(insert(schema.reviews).values(**_values(entry)))
    known = _entries(conn, entry.release, entry.lane, entry.task_id)
    stored = conn.execute(
        select(runs.c.id, runs.c.epoch).where(
            runs.c.release == entry.release,
            runs.c.lane == entry.lane,
            runs.c.task_id == entry.task_id,
        )
    ).all()
    changed = 0
    for run_id, epoch in stored:
        if covering_review(known, epoch) is known[-1]:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(review_comments=entry.count, review_source="human")
            )
            changed += 1
    return changed


def reviews(store: Store, release: str, lane: str | None = None) -> list[ReviewEntry]:
    """Recorded reviews of a release (optionally of one lane), oldest first."""
    with store.engine.connect() as conn:
        return _entries(conn, release, lane)


def apply_reviews(run: RunRecord, entries: Sequence[ReviewEntry]) -> RunRecord:
    """The run with the human count of the review covering it, if any."""
    mine = [
        e for e in entries if (e.release, e.lane, e.task_id) == (run.release, run.lane, run.task_id)
    ]
    chosen = covering_review(mine, run.epoch)
    if chosen is None:
        return run
    return replace(run, review_comments=chosen.count, review_source="human")


def _values(entry: ReviewEntry) -> dict[str, Any]:
    return {
        "release": entry.release,
        "lane": entry.lane,
        "task_id": entry.task_id,
        "epoch": entry.epoch,
        "count": entry.count,
        "by": entry.by,
        "at": entry.at,
    }


def _entries(
    conn: Connection, release: str, lane: str | None, task_id: str | None = None
) -> list[ReviewEntry]:
    t = schema.reviews
    query = select(t).where(t.c.release == release)
    if lane is not None:
        query = query.where(t.c.lane == lane)
    if task_id is not None:
        query = query.where(t.c.task_id == task_id)
    rows = conn.execute(query.order_by(t.c.id)).mappings()
    return [
        ReviewEntry(r["release"], r["lane"], r["task_id"], r["count"], r["at"], r["epoch"], r["by"])
        for r in rows
    ]
