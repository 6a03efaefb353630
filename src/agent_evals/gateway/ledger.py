"""Live runs as the gateway sees them: usage summed per task, closed by an outcome.

Every request adds to its task's run in memory (a few additions, no I/O); the batch
writer stores the runs that changed. A run is stored while open with status ``missing``
(kept, never counted) and gets its real status when the outcome arrives.
"""

from __future__ import annotations

import copy
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent_evals.config.models import Price
from agent_evals.config.pricing import cost_of
from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.rollout import RouteDecision
from agent_evals.types import Lane, ReviewSource, RunSource, RunStatus

GATEWAY_AGENT = "gateway"
_KEEP_CLOSED = 50_000


@dataclass(frozen=True)
class Outcome:
    """How a live task ended, as reported by its caller or by its pull request."""

    status: RunStatus
    review_comments: int | None = None
    review_source: ReviewSource = "human"
    policy_violations: tuple[PolicyViolation, ...] = ()
    diff: DiffStats = field(default_factory=DiffStats)
    out_of_scope_files: tuple[str, ...] = ()
    detail: str | None = None


@dataclass(slots=True)
class LiveRun:
    """One task's live run being metered."""

    task_id: str
    lane: Lane
    model: str
    slice: str
    source: RunSource
    epoch: int
    started: float
    last: float
    requests: int = 0
    failed: int = 0
    fell_back: int = 0
    usage_missing: int = 0
    sums: list[int | None] | None = None
    cost_usd: float = 0.0
    model_seconds: float = 0.0
    ttft_seconds: float = 0.0
    streams: int = 0
    review_comments: int | None = None
    outcome: Outcome | None = None
    decision: RouteDecision | None = None

    def add(
        self,
        usage: TokenUsage | None,
        *,
        seconds: float,
        ttft: float | None,
        ok: bool,
        fell_back: bool,
        price: Price | None,
    ) -> None:
        """Add one request's usage and timings."""
        self.requests += 1
        self.last = time.time()
        self.model_seconds += seconds
        if ttft is not None:
            self.ttft_seconds += ttft
            self.streams += 1
        if fell_back:
            self.fell_back += 1
        if not ok:
            self.failed += 1
        if usage is None:
            self.usage_missing += ok
            return
        parts = (usage.input, usage.output, usage.cache_read, usage.cache_write)
        sums = self.sums
        if sums is None:
            self.sums = list(parts)
        else:
            for i, part in enumerate(parts):
                known = sums[i]
                sums[i] = None if known is None or part is None else known + part
        self.cost_usd += cost_of(usage, price) or 0.0

    def tokens(self) -> TokenUsage:
        """The summed usage; missing when any answered request came without usage."""
        if self.usage_missing or self.sums is None:
            return TokenUsage.missing()
        sums = self.sums
        return TokenUsage(sums[0], sums[1], sums[2], sums[3], source="metered").with_total()

    def record(self, release: str, price_known: bool) -> RunRecord:
        """The run as stored: status ``missing`` until an outcome closes it."""
        tokens = self.tokens()
        outcome = self.outcome or Outcome(status="missing")
        cost = self.cost_usd if price_known and tokens.total is not None else None
        reviews = outcome.review_comments if self.review_comments is None else self.review_comments
        review_source = outcome.review_source if self.review_comments is None else "human"
        return RunRecord(
            release=release,
            task_id=self.task_id,
            slice=self.slice,
            lane=self.lane,
            model=self.model,
            status=outcome.status,
            source=self.source,
            epoch=self.epoch,
            tokens=tokens,
            cost_usd=cost,
            cost_source="metered" if cost is not None else "missing",
            latency_s=self.model_seconds,
            diff=outcome.diff,
            out_of_scope_files=outcome.out_of_scope_files,
            policy_violations=outcome.policy_violations,
            review_comments=reviews,
            review_source=review_source,
            api_calls=self.requests,
            started_at=datetime.fromtimestamp(self.started, UTC),
            ended_at=datetime.fromtimestamp(self.last, UTC),
            agent=GATEWAY_AGENT,
            detail=self.describe(),
        )

    def describe(self) -> str:
        """One line about the requests behind the run (and the outcome's own detail)."""
        parts = [f"{'closed' if self.outcome else 'open'}: {self.requests} requests"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.fell_back:
            parts.append(f"{self.fell_back} served by the incumbent after a candidate failure")
        if self.usage_missing:
            parts.append(f"usage missing on {self.usage_missing}")
        if self.streams:
            parts.append(f"mean time to first token {self.ttft_seconds / self.streams:.3f} s")
        line = ", ".join(parts)
        if self.outcome and self.outcome.detail:
            line += f"; {self.outcome.detail}"
        return line[:4000]


RunKey = tuple[RunSource, str]


class Ledger:
    """Open and recently closed live runs of one release, and which of them changed."""

    def __init__(self, release: str, prices: Mapping[Lane, Price | None]) -> None:
        self.release = release
        self.prices = dict(prices)
        self._open: dict[RunKey, LiveRun] = {}
        self._closed: OrderedDict[RunKey, LiveRun] = OrderedDict()
        self._dirty: dict[tuple[RunSource, str, int], LiveRun] = {}

    def get(self, task_id: str, source: RunSource = "live") -> LiveRun | None:
        """The open run of a task."""
        return self._open.get((source, task_id))

    def find(self, task_id: str, source: RunSource = "live") -> LiveRun | None:
        """The open run of a task, else its latest closed one."""
        key = (source, task_id)
        return self._open.get(key) or self._closed.get(key)

    def open(self, task_id: str, lane: Lane, model: str, slice: str, source: RunSource) -> LiveRun:
        """Start metering a task (a task seen again after its outcome gets the next epoch)."""
        key = (source, task_id)
        before = self._closed.get(key)
        now = time.time()
        epoch = before.epoch + 1 if before else 0
        run = LiveRun(task_id, lane, model, slice, source, epoch, now, now)
        self._open[key] = run
        return run

    def adopt(self, run: LiveRun) -> None:
        """Take over a run read back from the store (closed or open)."""
        key = (run.source, run.task_id)
        if run.outcome is None:
            self._open[key] = run
        else:
            self._remember_closed(key, run)

    def add(
        self,
        run: LiveRun,
        usage: TokenUsage | None,
        *,
        served: Lane,
        seconds: float,
        ttft: float | None,
        ok: bool,
        fell_back: bool = False,
    ) -> None:
        """Add one request to a run and mark it for the next write."""
        run.add(
            usage,
            seconds=seconds,
            ttft=ttft,
            ok=ok,
            fell_back=fell_back,
            price=self.prices.get(served),
        )
        self._dirty[(run.source, run.task_id, run.epoch)] = run

    def close(self, run: LiveRun, outcome: Outcome) -> RunRecord:
        """Give the run its outcome; returns the record to store now."""
        run.outcome = outcome
        run.last = time.time()
        key = (run.source, run.task_id)
        if self._open.get(key) is run:
            del self._open[key]
        self._remember_closed(key, run)
        self._dirty.pop((run.source, run.task_id, run.epoch), None)
        return self.record(run)

    def touch(self, run: LiveRun) -> RunRecord:
        """Mark a run changed by hand (a review, a merged pull request); returns its record."""
        self._dirty.pop((run.source, run.task_id, run.epoch), None)
        return self.record(run)

    def record(self, run: LiveRun) -> RunRecord:
        """The stored form of a run."""
        price_known = self.prices.get(run.lane) is not None
        return run.record(self.release, price_known)

    def take_dirty(self) -> list[LiveRun]:
        """Snapshots of every run that changed since the last call (cheap copies: turning
        them into records can then happen off the event loop)."""
        dirty, self._dirty = self._dirty, {}
        snapshots = []
        for run in dirty.values():
            snapshot = copy.copy(run)
            snapshot.sums = None if run.sums is None else list(run.sums)
            snapshots.append(snapshot)
        return snapshots

    def mark_dirty(self, snapshots: list[LiveRun]) -> None:
        """Put back runs whose write failed, so the next flush tries again."""
        for snapshot in snapshots:
            run = self.find(snapshot.task_id, snapshot.source)
            if run is not None:
                self._dirty[(run.source, run.task_id, run.epoch)] = run

    def pop(self, task_id: str) -> LiveRun | None:
        """Forget a task's open run and return it (metered replays read usage this way)."""
        return self._open.pop(("live", task_id), None)

    def _remember_closed(self, key: RunKey, run: LiveRun) -> None:
        self._closed[key] = run
        self._closed.move_to_end(key)
        while len(self._closed) > _KEEP_CLOSED:
            self._closed.popitem(last=False)
