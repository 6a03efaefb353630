"""The tasks behind each failing gate, so a reason like ``policy failure`` names its task.

Each failing gate gets its evidence per task from :mod:`agent_evals.reports.details`: policy
violations (task, rule, file), tasks the incumbent solved and the candidate did not, the
largest token and cost ratios, the tasks with new review comments. Lists are capped at
``TASK_LIMIT`` rows with a count of the rest; the HTML report has every task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent_evals.analysis.results import Scorecard
from agent_evals.reports.details import Outlier, ReportDetails, TaskLane, worst_tasks
from agent_evals.reports.formatting import number

TASK_LIMIT = 5
"""Rows shown per failing gate; the rest are counted."""


@dataclass(frozen=True)
class GateTasks:
    """One failing gate's tasks: what they show, the first rows and how many in all."""

    gate: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: int

    @property
    def more(self) -> int:
        """How many tasks are not shown."""
        return self.total - len(self.rows)

    def document(self) -> dict[str, Any]:
        """The JSON form: gate, title, total, the shown tasks as objects, and the rest."""
        return {
            "gate": self.gate,
            "title": self.title,
            "total": self.total,
            "tasks": [dict(zip(self.headers, row, strict=True)) for row in self.rows],
            "more": self.more,
        }


def failing_gates(scorecard: Scorecard) -> list[str]:
    """The gates that fail overall or on any slice, in the order gates are listed."""
    names: list[str] = []
    for comparison in (scorecard.overall, *scorecard.slices):
        for gate in comparison.decision.gates:
            if gate.verdict == "fail" and gate.name not in names:
                names.append(gate.name)
    return names


def gate_tasks(
    scorecard: Scorecard, details: ReportDetails, limit: int = TASK_LIMIT
) -> tuple[GateTasks, ...]:
    """The tasks behind every failing gate that has per-task evidence."""
    found = []
    for name in failing_gates(scorecard):
        builder = _BUILDERS.get(name)
        if builder is not None:
            title, headers, rows = builder(details)
            found.append(GateTasks(name, title, headers, tuple(rows[:limit]), len(rows)))
    return tuple(found)


Rows = tuple[str, tuple[str, ...], list[tuple[str, ...]]]


def _policy(details: ReportDetails) -> Rows:
    rows: list[tuple[str, ...]] = [
        (run.slice, run.task_id, v.rule, v.detail)
        for run in details.violations
        if run.lane == "candidate"
        for v in run.policy_violations
    ]
    return "policy violations of the candidate", ("slice", "task", "rule", "file"), rows


def _success(details: ReportDetails) -> Rows:
    rows: list[tuple[str, ...]] = [
        (t.slice, t.task_id, _statuses(t.incumbent), _statuses(t.candidate))
        for t in details.regressions
    ]
    title = "tasks the incumbent solved and the candidate did not"
    return title, ("slice", "task", "incumbent", "candidate"), rows


def _ratios(measure: str, title: str, digits: int) -> Callable[[ReportDetails], Rows]:
    def build(details: ReportDetails) -> Rows:
        outliers = worst_tasks(details.tasks, measure, limit=None)
        return title, ("slice", "task", "incumbent", "candidate", "ratio"), _rows(outliers, digits)

    return build


def _review(details: ReportDetails) -> Rows:
    rows: list[tuple[str, ...]] = [
        (o.slice, o.task_id, number(o.incumbent, 1), number(o.candidate, 1), f"+{o.change:.1f}")
        for o in worst_tasks(details.tasks, "review", limit=None)
    ]
    title = "tasks with new review comments"
    return title, ("slice", "task", "incumbent", "candidate", "change"), rows


def _rows(outliers: tuple[Outlier, ...], digits: int) -> list[tuple[str, ...]]:
    return [
        (
            o.slice,
            o.task_id,
            number(o.incumbent, digits),
            number(o.candidate, digits),
            f"{o.change:.2f}x",
        )
        for o in outliers
    ]


def _statuses(lane: TaskLane | None) -> str:
    return ", ".join(r.status for r in lane.runs) if lane else "not run"


_BUILDERS: dict[str, Callable[[ReportDetails], Rows]] = {
    "policy": _policy,
    "success": _success,
    "tokens": _ratios("tokens", "largest token ratios (successful runs)", 0),
    "review": _review,
    "cost": _ratios("cost", "largest cost ratios per successful task", 4),
}
