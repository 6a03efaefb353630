"""The plain key: value block that ends ``replay`` and ``gate`` (SPEC section 6)."""

from __future__ import annotations

from agent_evals.analysis.results import GateDecision, LaneMetrics, SliceComparison
from agent_evals.reports.formatting import average, count, rate


def render_slice_block(comparison: SliceComparison, lane: str = "candidate") -> str:
    """The block of one slice: the lane's metrics, then the decision against the other lane."""
    metrics = comparison.candidate if lane == "candidate" else comparison.incumbent
    return f"slice: {comparison.slice}\n" + render_decision_block(metrics, comparison.decision)


def render_decision_block(metrics: LaneMetrics, decision: GateDecision) -> str:
    """Metrics and decision lines, in the SPEC's order."""
    lines = [
        f"success_rate: {rate(metrics.success_rate)}",
        f"median_tokens: {count(metrics.median_tokens)}",
        f"policy_failures: {metrics.policy_failures}",
        f"review_comment_avg: {average(metrics.review_comment_avg)}",
        f"promotion_status: {decision.status}",
        f"reason: {decision.reason}",
    ]
    return "\n".join(lines)
