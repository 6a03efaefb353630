"""The terminal report: rich tables of the lanes and the gates."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from agent_evals.analysis.results import GateDecision, Scorecard
from agent_evals.reports.rows import GATE_HEADERS, METRIC_HEADERS, gate_rows, metric_rows

_NO_WRAP = frozenset({"slice", "lane", "model", "decision"})
_STYLE = {"PROMOTE": "bold green", "BLOCKED": "bold red", "INCONCLUSIVE": "bold yellow"}


def print_scorecard(scorecard: Scorecard, console: Console) -> None:
    """Lane metrics per slice and overall, then the overall gates and notes."""
    table = Table(title=f"scorecard: {scorecard.release}", header_style="bold")
    for header in METRIC_HEADERS:
        table.add_column(header, no_wrap=header in _NO_WRAP)
    for row in metric_rows(scorecard):
        table.add_row(*row[:-1], _styled(row[-1]), end_section=row[1] == "candidate")
    console.print(table)
    print_gates(scorecard.overall.decision, console, title="gates (overall)")
    for comparison in scorecard.slices:
        if comparison.decision.status != "PROMOTE":
            reason = comparison.decision.reason
            console.print(f"  {comparison.slice}: {_styled(comparison.decision.status)} {reason}")


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
