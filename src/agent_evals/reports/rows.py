"""The rows every tabular report shares, so table, markdown and HTML say the same thing."""

from __future__ import annotations

from agent_evals.analysis.results import GateResult, LaneMetrics, Scorecard, SliceComparison
from agent_evals.reports.formatting import NO_DATA, average, count, number, rate

METRIC_HEADERS = (
    "slice",
    "lane",
    "model",
    "n",
    "success",
    "median tokens",
    "review avg",
    "policy fails",
    "latency p50/p95 s",
    "median diff",
    "out of scope",
    "cost/success $",
    "infra/missing",
    "decision",
)
GATE_HEADERS = ("gate", "verdict", "value", "threshold", "interval", "note")


def metric_rows(scorecard: Scorecard) -> list[tuple[str, ...]]:
    """Two rows (incumbent, candidate) per slice, then overall."""
    rows = []
    for comparison in (*scorecard.slices, scorecard.overall):
        rows.extend(_lane_rows(comparison))
    return rows


def _lane_rows(c: SliceComparison) -> list[tuple[str, ...]]:
    return [
        _lane_row(c.slice, "incumbent", c.incumbent, ""),
        _lane_row("", "candidate", c.candidate, c.decision.status),
    ]


def _lane_row(slice_name: str, lane: str, m: LaneMetrics, decision: str) -> tuple[str, ...]:
    return (
        slice_name,
        lane,
        m.model or NO_DATA,
        str(m.n),
        rate(m.success_rate),
        count(m.median_tokens),
        average(m.review_comment_avg),
        str(m.policy_failures),
        f"{number(m.latency_p50_s, 1)}/{number(m.latency_p95_s, 1)}",
        count(m.median_diff_lines),
        str(m.out_of_scope_files),
        number(m.cost_per_success, 4),
        f"{m.infra_errors}/{m.missing}",
        decision,
    )


def gate_rows(gates: tuple[GateResult, ...]) -> list[tuple[str, ...]]:
    """One row per gate."""
    return [_gate_row(g) for g in gates]


def _gate_row(g: GateResult) -> tuple[str, ...]:
    interval = ""
    if g.interval is not None:
        interval = (
            f"[{number(g.interval.low, 3)}, {number(g.interval.high, 3)}] {g.interval.method}"
        )
    note = "; ".join(
        part
        for part in (
            g.reason,
            g.note,
            f"~{g.more_tasks_needed} more paired tasks"
            if g.more_tasks_needed and "more paired tasks" not in (g.reason or "")
            else None,
        )
        if part
    )
    value = "" if g.value is None else number(g.value, 3)
    threshold = "" if g.threshold is None else number(g.threshold, 3)
    return (g.name, g.verdict, value, threshold, interval, note)
