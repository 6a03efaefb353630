"""The scorecard as Markdown for a pull request comment or a review document.

The first line is a hidden marker, so a bot can find its earlier comment and edit it instead
of adding a new one on every push.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from agent_evals.analysis.results import LaneMetrics, Scorecard, SliceComparison
from agent_evals.reports.details import ReportDetails, TaskLane
from agent_evals.reports.formatting import average, count, rate
from agent_evals.reports.gate_tasks import gate_tasks
from agent_evals.reports.rows import GATE_HEADERS, gate_rows

MARKER = "<!-- agent-evals:scorecard -->"
# A pull request comment shows the worst few; the HTML report has every task.
WORST_LIMIT = 5
COMPACT_HEADERS = ("slice", "lane", "n", "success", "median tokens", "review", "policy", "")
_ICONS = {"PROMOTE": "✅", "BLOCKED": "❌", "INCONCLUSIVE": "⚠️"}


def render_markdown(scorecard: Scorecard, details: ReportDetails | None = None) -> str:
    """A compact Markdown report: decision, reasons, lanes, worst regressions, gates."""
    decision = scorecard.decision
    parts = [
        MARKER,
        f"# Scorecard: {escape(scorecard.release)}",
        "",
        f"{_ICONS[decision.status]} **Decision: {decision.status}**"
        + ("" if len(decision.reasons) > 1 else f" — {escape(decision.reason)}"),
        "",
    ]
    if len(decision.reasons) > 1:
        parts += [*(f"- {escape(r)}" for r in decision.reasons), ""]
    parts += [table(COMPACT_HEADERS, compact_rows(scorecard)), ""]
    if details is not None:
        failing = {g.name for g in scorecard.overall.decision.gates if g.verdict == "fail"}
        parts += worst_regressions(details, failing)
        parts += review_and_cost_tasks(scorecard, details)
    parts += [
        "<details><summary>Gates (overall)</summary>",
        "",
        table(GATE_HEADERS, gate_rows(scorecard.overall.decision.gates)),
        "",
        "</details>",
        "",
    ]
    warnings = scorecard.overall.decision.warnings
    if warnings:
        parts += ["**Warnings**", "", *(f"- {escape(w)}" for w in warnings), ""]
    parts.append(f"Statistics: {decision.mode} mode, seed {decision.seed}.")
    return "\n".join(parts) + "\n"


def compact_rows(scorecard: Scorecard) -> list[tuple[str, ...]]:
    """Both lanes of each slice and overall, in a table narrow enough for a comment."""
    rows = []
    for c in (*scorecard.slices, scorecard.overall):
        rows.append(_row(c.slice, "incumbent", c.incumbent, ""))
        rows.append(_row("", "candidate", c.candidate, _status(c)))
    return rows


def worst_regressions(details: ReportDetails, failing: Collection[str]) -> list[str]:
    """Lost tasks, violations and (on a failed tokens gate) the worst token growth, a few each."""
    lines: list[str] = []
    if details.regressions:
        rows: list[tuple[str, ...]] = [
            (t.slice, t.task_id, _statuses(t.incumbent), _statuses(t.candidate))
            for t in details.regressions[:WORST_LIMIT]
        ]
        more = len(details.regressions) - len(rows)
        lines += [f"**Regressed tasks** ({len(details.regressions)})", ""]
        lines += [table(("slice", "task", "incumbent", "candidate"), rows), ""]
        if more > 0:
            lines += [f"…and {more} more in the HTML report.", ""]
    tokens = details.outliers.get("tokens", ())[:WORST_LIMIT] if "tokens" in failing else ()
    if tokens:
        ratios = [(o.slice, o.task_id, f"{o.change:.2f}x") for o in tokens]
        lines += ["**Largest token growth**", "", table(("slice", "task", "ratio"), ratios), ""]
    violations = [(r, v) for r in details.violations for v in r.policy_violations]
    if violations:
        found = [(r.slice, r.task_id, r.lane, v.rule, v.detail) for r, v in violations]
        lines += [f"**Policy violations** ({len(violations)})", ""]
        lines += [table(("slice", "task", "lane", "rule", "file"), found[:WORST_LIMIT]), ""]
        if len(found) > WORST_LIMIT:
            lines += [f"…and {len(found) - WORST_LIMIT} more in the HTML report.", ""]
    return lines


def review_and_cost_tasks(scorecard: Scorecard, details: ReportDetails) -> list[str]:
    """The tasks behind a failed review or cost gate, a few each, with a count of the rest."""
    lines: list[str] = []
    for found in gate_tasks(scorecard, details, limit=WORST_LIMIT):
        if found.gate not in ("review", "cost"):
            continue
        lines += [f"**{found.gate} failed: {escape(found.title)}** ({found.total})", ""]
        lines += [table(found.headers, found.rows), ""]
        if found.more:
            lines += [f"…and {found.more} more in the HTML report.", ""]
    return lines


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table with every cell escaped."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def escape(text: str) -> str:
    """Text that renders as itself: no HTML, no table breaks, no Markdown emphasis or links."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def _row(slice_name: str, lane: str, m: LaneMetrics, status: str) -> tuple[str, ...]:
    return (
        slice_name,
        lane,
        str(m.n),
        rate(m.success_rate),
        count(m.median_tokens),
        average(m.review_comment_avg),
        str(m.policy_failures),
        status,
    )


def _status(c: SliceComparison) -> str:
    return f"{_ICONS[c.decision.status]} {c.decision.status}"


def _statuses(lane: TaskLane | None) -> str:
    return ", ".join(r.status for r in lane.runs) if lane else "not run"
