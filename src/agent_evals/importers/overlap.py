"""How the lanes' stored tasks overlap: the paired comparison runs on tasks both lanes have."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from agent_evals.store import Store
from agent_evals.store.schema import runs


@dataclass(frozen=True)
class LaneOverlap:
    """Tasks (by slice and id) stored for both lanes, and for one lane only."""

    paired: int
    incumbent_only: int
    candidate_only: int


def lane_overlap(store: Store, release: str) -> LaneOverlap:
    """Count the release's tasks by which lanes have runs of them."""
    per_task = (
        select(runs.c.slice, runs.c.task_id, func.count(distinct(runs.c.lane)).label("lanes"))
        .where(runs.c.release == release)
        .group_by(runs.c.slice, runs.c.task_id)
        .subquery()
    )
    single = select(runs.c.lane, func.count(distinct(runs.c.slice + "\x1f" + runs.c.task_id)))
    with store.engine.connect() as conn:
        paired = conn.execute(
            select(func.count()).select_from(per_task).where(per_task.c.lanes > 1)
        ).scalar_one()
        rows = conn.execute(single.where(runs.c.release == release).group_by(runs.c.lane))
        totals = {lane: int(count) for lane, count in rows}
    return LaneOverlap(
        paired=int(paired),
        incumbent_only=int(totals.get("incumbent", 0)) - int(paired),
        candidate_only=int(totals.get("candidate", 0)) - int(paired),
    )
