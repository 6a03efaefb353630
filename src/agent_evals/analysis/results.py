"""Values the analysis produces: lane metrics, gate results, decisions, scorecards."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent_evals.types import Decision, GateVerdict


@dataclass(frozen=True)
class LaneMetrics:
    """SPEC section 4 metrics of one lane over some runs; ``None`` means no data.

    ``n`` is the number of runs counted (``None`` when a metrics file does not say).
    """

    n: int | None
    success_rate: float | None
    median_tokens: float | None
    review_comment_avg: float | None
    policy_failures: int
    latency_p50_s: float | None = None
    latency_p95_s: float | None = None
    median_diff_lines: float | None = None
    out_of_scope_files: int = 0
    cost_per_success: float | None = None
    median_cost_per_success: float | None = None
    infra_errors: int = 0
    missing: int = 0
    runs_total: int = 0
    model: str | None = None
    provider: str | None = None
    token_sources: tuple[str, ...] = ()
    """Where the counted runs' tokens came from (``metered``, ``reported``, ...), sorted."""


@dataclass(frozen=True)
class Interval:
    """A confidence interval of a difference or ratio between the lanes."""

    low: float
    high: float
    estimate: float
    method: str


@dataclass(frozen=True)
class GateResult:
    """The verdict of one gate, with the numbers behind it."""

    name: str
    verdict: GateVerdict
    value: float | None = None
    threshold: float | None = None
    reason: str | None = None
    interval: Interval | None = None
    evidence: str | None = None
    more_tasks_needed: int | None = None
    note: str | None = None

    @property
    def passed(self) -> bool | None:
        """True or False for a decided gate; None when off, without data or inconclusive."""
        if self.verdict in ("pass", "waived"):
            return True
        if self.verdict == "fail":
            return False
        return None


@dataclass(frozen=True)
class GateDecision:
    """PROMOTE, BLOCKED or INCONCLUSIVE, and why."""

    status: Decision
    reasons: tuple[str, ...]
    gates: tuple[GateResult, ...]
    warnings: tuple[str, ...] = ()
    mode: str = "point"
    seed: int | None = None
    stability: float | None = None
    infra_bound: bool = False
    """INCONCLUSIVE because a lane's infrastructure failed too often (exit 4, not 3)."""

    @property
    def reason(self) -> str:
        """The reasons joined the SPEC way ("all gates passed" for a PROMOTE)."""
        return " + ".join(self.reasons) or "all gates passed"


@dataclass(frozen=True)
class SliceComparison:
    """Both lanes on one slice (or overall), with the decision for it."""

    slice: str
    incumbent: LaneMetrics
    candidate: LaneMetrics
    decision: GateDecision
    paired_tasks: int | None = None
    incumbent_only: int = 0
    candidate_only: int = 0


@dataclass(frozen=True)
class Scorecard:
    """Per-slice comparisons, the overall one, and the release's decision."""

    release: str
    slices: tuple[SliceComparison, ...]
    overall: SliceComparison
    decision: GateDecision
    notes: tuple[str, ...] = field(default=())

    def slice(self, name: str) -> SliceComparison:
        """The comparison of one slice."""
        for comparison in self.slices:
            if comparison.slice == name:
                return comparison
        raise KeyError(name)
