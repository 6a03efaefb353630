"""Closing live runs: outcomes, review counts and pull request results, then an evaluation.

Whatever closes or amends a run goes to the store at once (ahead of the next batch), as a
change of the task's latest stored run: the stored run keeps every request metered by any
gateway replica, before or after a restart, and its reviews. A caller waits a bounded time
for the store; when the store is slow the change stays queued (and is written when the store
answers) and the caller is answered from memory.
"""

from __future__ import annotations

from agent_evals.gateway.background import BatchWriter, StoreThread
from agent_evals.gateway.control import ReleaseLink
from agent_evals.gateway.ledger import Ledger, LiveRun, Outcome
from agent_evals.gateway.meters import outcome_data, outcome_from_data
from agent_evals.gateway.routing import UNSLICED
from agent_evals.records import RunRecord
from agent_evals.store.live_state import ChangeKind, MeterChange

# How long an outcome or review waits for the store before it is answered from memory.
CHANGE_WAIT_S = 2.0
QUEUED_EVALUATION_S = 1.0


class TaskRuns:
    """Applies outcomes and review counts to tasks' stored live runs."""

    def __init__(
        self,
        ledger: Ledger,
        link: ReleaseLink,
        writer: BatchWriter,
        io: StoreThread,
        debounce_s: float,
        wait_s: float = CHANGE_WAIT_S,
    ) -> None:
        self.ledger = ledger
        self.link = link
        self.writer = writer
        self.io = io
        self.debounce_s = debounce_s
        self.wait_s = wait_s

    async def close(self, task_id: str, outcome: Outcome, slice: str | None = None) -> RunRecord:
        """Give the task's run its outcome, store it, and let the controller evaluate."""
        return await self._apply("close", task_id, slice=slice, outcome=outcome)

    async def set_reviews(self, task_id: str, count: int) -> RunRecord:
        """Set the task's human follow-up comment count."""
        return await self._apply("reviews_set", task_id, count=count)

    async def add_reviews(self, task_id: str, added: int) -> RunRecord:
        """Add follow-up comments (one webhook delivery each)."""
        return await self._apply("reviews_add", task_id, count=added)

    async def merged(self, task_id: str, merged: bool) -> RunRecord:
        """A closed pull request: merged is success; closed unmerged fails an open run."""
        if merged:
            return await self._apply("resolve", task_id, outcome=Outcome("resolved"))
        failed = Outcome("unresolved", detail="pull request closed without merging")
        return await self._apply("fail_open", task_id, outcome=failed)

    async def _apply(
        self,
        kind: ChangeKind,
        task_id: str,
        *,
        slice: str | None = None,
        outcome: Outcome | None = None,
        count: int = 0,
    ) -> RunRecord:
        run = self.ledger.get(task_id)
        if run is None:
            decision = self.link.router.select(task_id, None, slice)
            run = LiveRun(
                task_id, decision.lane, decision.model, slice or UNSLICED, "live", 0, 0, 0
            )
        closes = kind in ("close", "resolve", "fail_open")
        change = MeterChange(
            kind=kind,
            task_id=task_id,
            lane=run.lane,
            model=run.model,
            slice=slice,
            outcome=None if outcome is None else outcome_data(outcome),
            count=count,
            delta=self.ledger.close(task_id) if closes else None,
        )
        result = await self.writer.change(change, self.wait_s)
        record = result.records[("live", task_id)] if result else _from_memory(self, run, change)
        if record.status != "missing":
            # With the store slow, the evaluation waits in the background, not the caller.
            await self.link.outcome_arrived(self.debounce_s if result else QUEUED_EVALUATION_S)
        return record


def _from_memory(runs: TaskRuns, run: LiveRun, change: MeterChange) -> RunRecord:
    """The run as this gateway knows it, while the store has not taken the change yet."""
    if change.slice and run.slice == UNSLICED:
        run.slice = change.slice
    if change.kind == "reviews_set":
        run.review_comments = change.count
    elif change.kind == "reviews_add":
        run.review_comments = (run.review_comments or 0) + change.count
    elif change.outcome is not None:
        run.outcome = outcome_from_data(change.outcome)
    return runs.ledger.record(run)
