"""The terminal report: rich tables of the lanes and the gates, fitted to the terminal.

At ``COMPACT_BELOW`` columns or fewer the lane table turns compact: each slice is a row of
its own with its lanes stacked under it, units move into the headers, and the models go to
the caption; ``--format markdown`` or a wider terminal shows every column.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent_evals.analysis.results import GateDecision, LaneMetrics, Scorecard
from agent_evals.reports.details import ReportDetails
from agent_evals.reports.formatting import average, count, number, rate
from agent_evals.reports.gate_tasks import GateTasks, gate_tasks
from agent_evals.reports.rows import GATE_HEADERS, METRIC_HEADERS, gate_rows, metric_rows

COMPACT_BELOW = 120
"""Terminals narrower than this get the compact lane table."""
COMPACT_HEADERS = (
    "slice / lane",
    "n",
    "success",
    "tokens",
    "review",
    "policy",
    "p50 s",
    "$/success",
    "decision",
)
_NO_WRAP = frozenset({"slice", "lane", "model", "decision", "slice / lane"})
_STYLE = {"PROMOTE": "bold green", "BLOCKED": "bold red", "INCONCLUSIVE": "bold yellow"}


def print_scorecard(
    scorecard: Scorecard, console: Console, details: ReportDetails | None = None
) -> None:
    """Lane metrics per slice and overall, the overall gates and notes, then (with
    ``details``) the tasks behind each failing gate."""
    compact = console.width < COMPACT_BELOW
    console.print(compact_table(scorecard) if compact else wide_table(scorecard))
    print_gates(scorecard.overall.decision, console, title="gates (overall)")
    for comparison in scorecard.slices:
        if comparison.decision.status != "PROMOTE":
            reason = comparison.decision.reason
            console.print(f"  {comparison.slice}: {_styled(comparison.decision.status)} {reason}")
    if details is not None:
        for found in gate_tasks(scorecard, details):
            print_gate_tasks(found, console)


def print_gate_tasks(found: GateTasks, console: Console) -> None:
    """One failing gate's tasks as a small table, and how many more there are."""
    console.print(Text(f"{found.gate} failed: {found.title} ({found.total})", style="bold"))
    table = Table(header_style="bold", box=None, padding=(0, 2, 0, 0))
    for header in found.headers:
        table.add_column(header, overflow="fold")
    for row in found.rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
    if found.more:
        console.print(f"  ...and {found.more} more (--format html lists every task)")


def wide_table(scorecard: Scorecard) -> Table:
    """Every metric column, one row per lane and slice."""
    table = Table(title=f"scorecard: {scorecard.release}", header_style="bold")
    for header in METRIC_HEADERS:
        table.add_column(header, no_wrap=header in _NO_WRAP)
    for row in metric_rows(scorecard):
        table.add_row(*row[:-1], _styled(row[-1]), end_section=row[1] == "candidate")
    return table


def compact_table(scorecard: Scorecard) -> Table:
    """The main metrics for a narrow terminal: slice rows with their lanes stacked below."""
    overall = scorecard.overall
    table = Table(
        title=f"scorecard: {scorecard.release}",
        caption=f"incumbent {overall.incumbent.model or 'n/a'}, "
        f"candidate {overall.candidate.model or 'n/a'}",
        header_style="bold underline",
        box=None,
        padding=(0, 1, 0, 0),
    )
    for header in COMPACT_HEADERS:
        table.add_column(header, no_wrap=header in _NO_WRAP)
    for comparison in (*scorecard.slices, overall):
        table.add_row(comparison.slice, *[""] * 7, _styled(comparison.decision.status))
        table.add_row(*_compact_row("incumbent", comparison.incumbent))
        table.add_row(*_compact_row("candidate", comparison.candidate), end_section=True)
    return table


def _compact_row(lane: str, m: LaneMetrics) -> tuple[str, ...]:
    return (
        f"  {lane}",
        str(m.n),
        rate(m.success_rate),
        count(m.median_tokens),
        average(m.review_comment_avg),
        str(m.policy_failures),
        number(m.latency_p50_s, 1),
        number(m.cost_per_success, 4),
        "",
    )


def print_gates(decision: GateDecision, console: Console, title: str = "gates") -> None:
    """The gates of one decision, its warnings, and the seed in evidence mode."""
    table = Table(title=title, header_style="bold")
    for header in GATE_HEADERS:
        table.add_column(header)
    for row in gate_rows(decision.gates):
        table.add_row(*row)
    console.print(table)
    for warning in decision.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"statistics: {decision.mode} mode, seed {decision.seed}")


def _styled(status: str) -> str:
    style = _STYLE.get(status)
    return f"[{style}]{status}[/{style}]" if style else status
