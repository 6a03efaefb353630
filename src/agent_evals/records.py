"""The run record (SPEC section 3): one attempt of one task by one lane, as stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent_evals.types import CostSource, Lane, ReviewSource, RunSource, RunStatus, UsageSource

HARNESS_VERSION = "1"

# A run's times lie in this range; anything outside is a unit mix-up (milliseconds read as
# seconds) or garbage, and would overflow the dates computed from it.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2200, 1, 1, tzinfo=UTC)
# A detail is a line for a person to read; a whole log pasted into one is cut at this size.
DETAIL_LIMIT_CHARS = 8192


def clip_detail(detail: str | None) -> str | None:
    """``detail`` cut to ``DETAIL_LIMIT_CHARS``, ending with a marker that says how much went."""
    if detail is None or len(detail) <= DETAIL_LIMIT_CHARS:
        return detail
    marker = f" … [detail truncated: {len(detail) - DETAIL_LIMIT_CHARS + 64:,} more characters]"
    return detail[: DETAIL_LIMIT_CHARS - 64] + marker


@dataclass(frozen=True, slots=True)
class PolicyViolation:
    """One broken policy rule, with what exactly broke it."""

    rule: str
    detail: str

    def __post_init__(self) -> None:
        if len(self.detail) > DETAIL_LIMIT_CHARS:
            object.__setattr__(self, "detail", clip_detail(self.detail))


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Token counts of a run; ``None`` means unknown, never zero."""

    input: int | None = None
    output: int | None = None
    cache_read: int | None = None
    cache_write: int | None = None
    total: int | None = None
    source: UsageSource = "missing"

    def with_total(self) -> TokenUsage:
        """Fill ``total`` from the parts when it is missing and any part is known."""
        if self.total is not None:
            return self
        parts = [self.input, self.output, self.cache_read, self.cache_write]
        if all(p is None for p in parts):
            return self
        total = sum(p or 0 for p in parts)
        return TokenUsage(
            self.input, self.output, self.cache_read, self.cache_write, total, self.source
        )

    @classmethod
    def missing(cls) -> TokenUsage:
        """Usage that nobody reported or metered."""
        return cls()


@dataclass(frozen=True, slots=True)
class DiffStats:
    """Size of the change a run made against its base."""

    files_changed: int | None = None
    lines_added: int | None = None
    lines_removed: int | None = None

    @property
    def lines(self) -> int | None:
        """Lines added plus removed, or ``None`` when unknown."""
        if self.lines_added is None or self.lines_removed is None:
            return None
        return self.lines_added + self.lines_removed


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything stored about one run; keyed by (release, lane, task, epoch, source)."""

    release: str
    task_id: str
    slice: str
    lane: Lane
    model: str
    status: RunStatus
    source: RunSource = "replay"
    epoch: int = 0
    tokens: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float | None = None
    cost_source: CostSource = "missing"
    latency_s: float | None = None
    diff: DiffStats = field(default_factory=DiffStats)
    out_of_scope_files: tuple[str, ...] = ()
    policy_violations: tuple[PolicyViolation, ...] = ()
    review_comments: int | None = None
    review_source: ReviewSource | None = None
    api_calls: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    task_hash: str | None = None
    agent: str | None = None
    agent_version: str | None = None
    harness_version: str = HARNESS_VERSION
    detail: str | None = None

    def __post_init__(self) -> None:
        # Every path that makes a run (replay, gateway, import) stores a bounded detail.
        if self.detail is not None and len(self.detail) > DETAIL_LIMIT_CHARS:
            object.__setattr__(self, "detail", clip_detail(self.detail))

    @property
    def succeeded(self) -> bool:
        """Whether the verify step passed."""
        return self.status == "resolved"

    @property
    def policy_failed(self) -> bool:
        """Whether the run broke at least one policy rule."""
        return bool(self.policy_violations)
