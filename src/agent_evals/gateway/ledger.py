"""Live runs as the gateway sees them: usage summed per task, closed by an outcome.

Every request adds to its task's run in memory (a few additions, no I/O); the batch
writer adds what changed to the task's meter in the store (``store.live_state``), where every
gateway replica's additions, before and after restarts, sum to one run. A run is stored while
open with status ``missing`` (kept, never counted) and gets its real status when the outcome
arrives.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent_evals.config.models import Price
from agent_evals.config.pricing import cost_of
from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.rollout import RouteDecision
from agent_evals.store.live_state import MeterDelta, MeterRow
from agent_evals.types import Lane, ReviewSource, RunSource, RunStatus

GATEWAY_AGENT = "gateway"


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
    sent: _Sent | None = None

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
# Open runs kept in memory beyond this many are forgotten, least recently used first, once
# written (their meters are in the store; a forgotten task's next request carries on there).
DEFAULT_MAX_RUNS = 10_000


class Ledger:
    """The open live runs of one release in memory, and what each added since its last write.

    Memory is bounded: a closed run leaves at once, and beyond ``max_runs`` the least recently
    used written runs are forgotten (``None``: never, for replay metering, which reads each
    attempt's run back with ``pop``).
    """

    def __init__(
        self,
        release: str,
        prices: Mapping[Lane, Price | None],
        *,
        max_runs: int | None = DEFAULT_MAX_RUNS,
    ) -> None:
        self.release = release
        self.prices = dict(prices)
        self.max_runs = max_runs
        self._runs: OrderedDict[RunKey, LiveRun] = OrderedDict()
        # By object, not task: a request still in flight when its task's outcome closed the
        # run adds to that run, which must be written as well as the task's next one.
        self._dirty: dict[int, LiveRun] = {}

    def __len__(self) -> int:
        return len(self._runs)

    def get(self, task_id: str, source: RunSource = "live") -> LiveRun | None:
        """The task's open run in memory (``None``: new, closed or forgotten here)."""
        run = self._runs.get((source, task_id))
        if run is not None:
            self._runs.move_to_end((source, task_id))
        return run

    def open(self, task_id: str, lane: Lane, model: str, slice: str, source: RunSource) -> LiveRun:
        """Start metering a task here (the store decides its epoch when it is written)."""
        now = time.time()
        run = LiveRun(task_id, lane, model, slice, source, 0, now, now)
        self._runs[(source, task_id)] = run
        return run

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
        self._dirty[id(run)] = run

    def close(self, task_id: str) -> MeterDelta | None:
        """Forget the task's open run (an outcome arrived); returns what it has not written."""
        key: RunKey = ("live", task_id)
        run = self._runs.pop(key, None)
        if run is None:
            return None
        self._dirty.pop(id(run), None)
        return take_delta(run)

    def take_deltas(self) -> list[MeterDelta]:
        """What every changed run added since its last write; then forget the oldest runs."""
        dirty, self._dirty = self._dirty, {}
        deltas = [take_delta(run) for run in dirty.values()]
        self._evict()
        return deltas

    def stored(self, meters: Mapping[tuple[str, str], MeterRow]) -> None:
        """Follow the store: a run keeps the lane and epoch stored first; a run closed
        elsewhere is forgotten here."""
        for (source, task_id), row in meters.items():
            key: RunKey = ("shadow" if source == "shadow" else "live", task_id)
            run = self._runs.get(key)
            if run is None:
                continue
            if row["closed"]:
                if id(run) not in self._dirty:
                    del self._runs[key]
                continue
            run.epoch = int(row["epoch"])
            if run.lane != row["lane"]:
                run.lane, run.model = row["lane"], row["model"]
                bucket = run.decision.bucket if run.decision else 0.0
                run.decision = RouteDecision(
                    run.model, run.lane, "stored live run", bucket, "state"
                )

    def record(self, run: LiveRun) -> RunRecord:
        """The stored form of a run."""
        price_known = self.prices.get(run.lane) is not None
        return run.record(self.release, price_known)

    def pop(self, task_id: str) -> LiveRun | None:
        """Forget a task's open run and return it (metered replays read usage this way)."""
        run = self._runs.pop(("live", task_id), None)
        if run is not None:
            self._dirty.pop(id(run), None)
        return run

    def _evict(self) -> None:
        if self.max_runs is None:
            return
        excess = len(self._runs) - self.max_runs
        for key in list(self._runs)[: max(excess, 0)]:
            if id(self._runs[key]) not in self._dirty:
                del self._runs[key]


@dataclass(frozen=True, slots=True)
class _Sent:
    """A run's counters at its last write."""

    requests: int = 0
    failed: int = 0
    fell_back: int = 0
    usage_missing: int = 0
    streams: int = 0
    cost_usd: float = 0.0
    model_seconds: float = 0.0
    ttft_seconds: float = 0.0
    sums: tuple[int | None, ...] | None = None


def take_delta(run: LiveRun) -> MeterDelta:
    """What ``run`` added since its last write (and mark it written)."""
    before = run.sent or _Sent()
    now = _Sent(
        run.requests,
        run.failed,
        run.fell_back,
        run.usage_missing,
        run.streams,
        run.cost_usd,
        run.model_seconds,
        run.ttft_seconds,
        None if run.sums is None else tuple(run.sums),
    )
    run.sent = now
    tokens: tuple[int | None, int | None, int | None, int | None] = (0, 0, 0, 0)
    if now.sums is not None:
        prior = before.sums or (0, 0, 0, 0)
        a, b, c, d = (
            None if part is None else part - (prior[i] or 0) for i, part in enumerate(now.sums)
        )
        tokens = (a, b, c, d)
    return MeterDelta(
        source=run.source,
        task_id=run.task_id,
        lane=run.lane,
        model=run.model,
        slice=run.slice,
        started=run.started,
        last=run.last,
        requests=now.requests - before.requests,
        failed=now.failed - before.failed,
        fell_back=now.fell_back - before.fell_back,
        usage_missing=now.usage_missing - before.usage_missing,
        streams=now.streams - before.streams,
        tokens_seen=now.sums is not None,
        tokens=tokens,
        cost_usd=now.cost_usd - before.cost_usd,
        model_seconds=now.model_seconds - before.model_seconds,
        ttft_seconds=now.ttft_seconds - before.ttft_seconds,
    )
