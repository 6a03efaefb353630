"""Closing live runs: outcomes, review counts and pull request results, then an evaluation.

Whatever closes or amends a run is written at once (not batched), so a caller that got
its answer can read the run back; the controller then re-evaluates the stage.
"""

from __future__ import annotations

import time
from dataclasses import replace

from agent_evals.gateway.background import BatchWriter, StoreThread
from agent_evals.gateway.control import ReleaseLink
from agent_evals.gateway.ledger import Ledger, LiveRun, Outcome
from agent_evals.gateway.routing import UNSLICED
from agent_evals.records import RunRecord
from agent_evals.rollout import RouteDecision


class TaskRuns:
    """Finds a task's live run (in memory, else stored, else new) and changes it."""

    def __init__(
        self,
        ledger: Ledger,
        link: ReleaseLink,
        writer: BatchWriter,
        io: StoreThread,
        debounce_s: float,
    ) -> None:
        self.ledger = ledger
        self.link = link
        self.writer = writer
        self.io = io
        self.debounce_s = debounce_s

    async def run_of(self, task_id: str, slice: str | None = None) -> LiveRun:
        """The task's latest live run; a task never seen gets a run on its routed lane."""
        run = self.ledger.find(task_id)
        if run is not None:
            return run
        stored = await self.io.run(
            self.link.controller.store.latest_run, self.ledger.release, task_id, source="live"
        )
        if stored is not None:
            run = live_run_from(stored)
            self.ledger.adopt(run)
            return run
        decision = self.link.router.select(task_id, None, slice)
        run = self.ledger.open(task_id, decision.lane, decision.model, slice or UNSLICED, "live")
        run.decision = decision
        return run

    async def close(self, task_id: str, outcome: Outcome, slice: str | None = None) -> RunRecord:
        """Give the task's run its outcome, store it, and let the controller evaluate."""
        run = await self.run_of(task_id, slice)
        if slice and run.slice == UNSLICED:
            run.slice = slice
        record = self.ledger.close(run, outcome)
        await self.writer.write([record])
        await self.link.outcome_arrived(self.debounce_s)
        return record

    async def set_reviews(self, task_id: str, count: int) -> RunRecord:
        """Set the task's human follow-up comment count."""
        run = await self.run_of(task_id)
        run.review_comments = count
        return await self._store(run)

    async def add_reviews(self, task_id: str, added: int) -> RunRecord:
        """Add follow-up comments (one webhook delivery each)."""
        run = await self.run_of(task_id)
        run.review_comments = (run.review_comments or 0) + added
        return await self._store(run)

    async def merged(self, task_id: str, merged: bool) -> RunRecord:
        """A closed pull request: merged is success; closed unmerged fails an open run."""
        run = await self.run_of(task_id)
        if merged:
            outcome = replace(run.outcome or Outcome("resolved"), status="resolved")
        elif run.outcome is None:
            outcome = Outcome("unresolved", detail="pull request closed without merging")
        else:
            return self.ledger.record(run)
        return await self.close(task_id, outcome)

    async def _store(self, run: LiveRun) -> RunRecord:
        record = self.ledger.touch(run)
        await self.writer.write([record])
        if run.outcome is not None:
            await self.link.outcome_arrived(self.debounce_s)
        return record


def live_run_from(record: RunRecord) -> LiveRun:
    """A stored live run, back in memory to be amended."""
    tokens = record.tokens
    known = tokens.source != "missing"
    started = record.started_at.timestamp() if record.started_at else time.time()
    ended = record.ended_at.timestamp() if record.ended_at else started
    run = LiveRun(
        task_id=record.task_id,
        lane=record.lane,
        model=record.model,
        slice=record.slice,
        source=record.source,
        epoch=record.epoch,
        started=started,
        last=ended,
        requests=record.api_calls or 0,
        usage_missing=0 if known else 1,
        sums=[tokens.input, tokens.output, tokens.cache_read, tokens.cache_write]
        if known
        else None,
        cost_usd=record.cost_usd or 0.0,
        model_seconds=record.latency_s or 0.0,
        review_comments=record.review_comments if record.review_source == "human" else None,
        decision=RouteDecision(record.model, record.lane, "stored live run", 0.0, "state"),
    )
    if record.status != "missing":
        run.outcome = Outcome(
            status=record.status,
            review_comments=record.review_comments,
            review_source=record.review_source or "human",
            policy_violations=record.policy_violations,
            diff=record.diff,
            out_of_scope_files=record.out_of_scope_files,
        )
    return run
