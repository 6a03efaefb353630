"""The scorecard as Markdown, for pull requests and review documents."""

from __future__ import annotations

from collections.abc import Sequence

from agent_evals.analysis.results import Scorecard
from agent_evals.reports.rows import GATE_HEADERS, METRIC_HEADERS, gate_rows, metric_rows


def render_markdown(scorecard: Scorecard) -> str:
    """A Markdown document: decision, lanes per slice, gates, warnings."""
    decision = scorecard.decision
    parts = [
        f"# Scorecard: {scorecard.release}",
        "",
        f"**Decision: {decision.status}** — {decision.reason}",
        "",
        _table(METRIC_HEADERS, metric_rows(scorecard)),
        "",
        "## Gates (overall)",
        "",
        _table(GATE_HEADERS, gate_rows(scorecard.overall.decision.gates)),
        "",
    ]
    slices = [c for c in scorecard.slices if c.decision.status != "PROMOTE"]
    if slices:
        parts += ["## Slices not promoted", ""]
        parts += [f"- `{c.slice}`: {c.decision.status} — {c.decision.reason}" for c in slices]
        parts.append("")
    warnings = scorecard.overall.decision.warnings
    if warnings:
        parts += ["## Warnings", "", *(f"- {w}" for w in warnings), ""]
    parts.append(f"Statistics: {decision.mode} mode, seed {decision.seed}.")
    return "\n".join(parts) + "\n"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)
