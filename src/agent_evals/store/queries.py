"""Reads of stored runs as records and counts (the scorecard's columns are in ``columnar``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, distinct, func, select

from agent_evals.records import RunRecord
from agent_evals.store.runs import row_to_record
from agent_evals.store.schema import runs as runs_table
from agent_evals.types import RunSource


@dataclass(frozen=True)
class LaneOverlap:
    """Tasks (by slice and id) stored for both lanes, and for one lane only."""

    paired: int
    incumbent_only: int
    candidate_only: int


def read_runs(
    engine: Engine,
    release: str,
    *,
    lane: str | None = None,
    slice: str | None = None,
    source: str | None = None,
) -> list[RunRecord]:
    """Stored runs of a release, optionally of one lane, slice or source, in stored order."""
    t = runs_table
    query = select(t).where(t.c.release == release)
    if lane:
        query = query.where(t.c.lane == lane)
    if slice:
        query = query.where(t.c.slice == slice)
    if source:
        query = query.where(t.c.source == source)
    with engine.connect() as conn:
        return [row_to_record(r) for r in conn.execute(query.order_by(t.c.id))]


def count_runs(engine: Engine, release: str | None = None) -> int:
    """How many runs are stored (for one release, or all)."""
    query = select(func.count()).select_from(runs_table)
    if release:
        query = query.where(runs_table.c.release == release)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def releases(engine: Engine) -> list[str]:
    """Every release that has stored runs."""
    with engine.connect() as conn:
        rows = conn.execute(select(runs_table.c.release).distinct())
        return sorted(r[0] for r in rows)


def latest_run(engine: Engine, release: str, task_id: str, source: RunSource) -> RunRecord | None:
    """A task's stored run of ``source`` with the highest epoch, or ``None``."""
    t = runs_table
    query = (
        select(t)
        .where(t.c.release == release, t.c.task_id == task_id, t.c.source == source)
        .order_by(t.c.epoch.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else row_to_record(row)


def lane_overlap(engine: Engine, release: str) -> LaneOverlap:
    """Count the release's tasks by which lanes have runs of them."""
    t = runs_table
    per_task = (
        select(t.c.slice, t.c.task_id, func.count(distinct(t.c.lane)).label("lanes"))
        .where(t.c.release == release)
        .group_by(t.c.slice, t.c.task_id)
        .subquery()
    )
    single = select(t.c.lane, func.count(distinct(t.c.slice + "\x1f" + t.c.task_id)))
    with engine.connect() as conn:
        paired = conn.execute(
            select(func.count()).select_from(per_task).where(per_task.c.lanes > 1)
        ).scalar_one()
        rows = conn.execute(single.where(t.c.release == release).group_by(t.c.lane))
        totals = {lane: int(count) for lane, count in rows}
    return LaneOverlap(
        paired=int(paired),
        incumbent_only=int(totals.get("incumbent", 0)) - int(paired),
        candidate_only=int(totals.get("candidate", 0)) - int(paired),
    )
