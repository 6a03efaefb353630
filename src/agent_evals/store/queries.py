"""Reads of stored runs as records and counts (the scorecard's columns are in ``columnar``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, case, distinct, func, select

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


@dataclass(frozen=True)
class TaskHistoryRow:
    """A model's earlier runs of one task version: how many, how many solved, and reviews."""

    slice: str
    task_key: int
    runs: int
    resolved: int
    review_sum: int
    review_runs: int


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


def incumbent_history(
    engine: Engine,
    release: str,
    model: str,
    *,
    slices: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
) -> list[TaskHistoryRow]:
    """``model``'s runs in other releases of the task versions its incumbent lane ran here.

    A history run matches a current task on slice, content hash, agent and agent version,
    in either lane (the incumbent may have been an earlier release's candidate). The
    release itself is left out whole: its run key replaces a re-run, so no earlier replay
    of it survives, and its other stored runs (other sources or slices) are what a
    differently filtered scorecard of it counts as current, so pooling them could count a
    run twice. Infra errors and missing runs are not counted, as in the scorecard.
    """
    t = runs_table
    current = select(t.c.slice, t.c.task_key, t.c.task_hash, t.c.agent, t.c.agent_version).where(
        t.c.release == release,
        t.c.lane == "incumbent",
        t.c.model == model,
        t.c.task_hash.is_not(None),
    )
    if slices:
        current = current.where(t.c.slice.in_(slices))
    if sources:
        current = current.where(t.c.source.in_(sources))
    cur = current.distinct().subquery()
    h = runs_table.alias("history")
    query = (
        select(
            cur.c.slice,
            cur.c.task_key,
            func.count(h.c.id),
            func.sum(case((h.c.status == "resolved", 1), else_=0)),
            func.coalesce(func.sum(h.c.review_comments), 0),
            func.count(h.c.review_comments),
        )
        .select_from(cur)
        .join(
            h,
            (h.c.slice == cur.c.slice)
            & (h.c.task_hash == cur.c.task_hash)
            & h.c.agent.is_not_distinct_from(cur.c.agent)
            & h.c.agent_version.is_not_distinct_from(cur.c.agent_version),
        )
        .where(
            h.c.model == model,
            h.c.release != release,
            h.c.status.not_in(("infra_error", "missing")),
        )
        .group_by(cur.c.slice, cur.c.task_key)
    )
    if sources:
        query = query.where(h.c.source.in_(sources))
    with engine.connect() as conn:
        return [
            TaskHistoryRow(s, int(k), int(n), int(ok), int(rs), int(rn))
            for s, k, n, ok, rs, rn in conn.execute(query)
        ]
