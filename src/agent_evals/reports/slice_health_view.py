"""``slice health`` as lines for a terminal and as a JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent_evals.analysis.slice_health import SliceHealth, TaskHealth


def health_lines(slices: Sequence[SliceHealth], *, include_flaky: bool = False) -> list[str]:
    """Per slice: each task's pass rates and flags, then what each gate needs."""
    lines: list[str] = []
    for health in slices:
        lines.append(
            f"slice {health.slice}: {len(health.tasks)} tasks, {health.usable} usable, "
            f"up to {health.epochs} incumbent epochs"
        )
        width = max((len(t.task_id) for t in health.tasks), default=4)
        lines.append(f"  {'task':<{width}}  incumbent  candidate  flags")
        for task in health.tasks:
            flags = "; ".join(task_flags(task, include_flaky=include_flaky)) or "-"
            lines.append(
                f"  {task.task_id:<{width}}  {_rate(task.incumbent):>9}  "
                f"{_rate(task.candidate):>9}  {flags}"
            )
        lines += [f"  {line}" for line in _needs(health)]
    return lines


def task_flags(task: TaskHealth, *, include_flaky: bool = False) -> list[str]:
    """What is wrong with a task, in words."""
    flags = []
    if task.flaky:
        kept = "kept in the gates (--include-flaky)" if include_flaky else "left out of the gates"
        flags.append(f"FLAKY: incumbent solved {task.incumbent[0]} of {task.incumbent[1]}; {kept}")
    if task.no_signal is not None:
        flags.append(f"no signal: both lanes {task.no_signal}")
    if task.contaminated:
        when = task.source_date.date().isoformat() if task.source_date else "?"
        flags.append(
            f"contamination risk: from {when}, before the training cut-off of "
            + ", ".join(task.contaminated)
        )
    return flags


def _rate(counts: tuple[int, int]) -> str:
    solved, runs = counts
    return f"{solved}/{runs}" if runs else "-"


def _needs(health: SliceHealth) -> list[str]:
    if not health.needs:
        return ["gates: no rate gate is on"]
    epochs = sorted(next(iter(health.needs)).tasks)
    lines = [
        f"paired tasks each gate needs for a decision (at {'/'.join(map(str, epochs))} epochs):"
    ]
    for need in health.needs:
        counts = "/".join(str(need.tasks[e]) for e in epochs)
        enough = [e for e in epochs if health.usable >= need.tasks[e]]
        verdict = f"enough from {enough[0]} epochs" if enough else "too few usable tasks"
        lines.append(f"  {need.gate} ({need.threshold}): {counts}; {verdict}")
    return [*lines, f"usable tasks here: {health.usable}"]


def health_document(slices: Sequence[SliceHealth]) -> dict[str, Any]:
    """The whole health report as one JSON-ready document."""
    return {
        "slices": [
            {
                "slice": h.slice,
                "usable": h.usable,
                "tasks": [
                    {
                        "task_id": t.task_id,
                        "incumbent": {"solved": t.incumbent[0], "runs": t.incumbent[1]},
                        "candidate": {"solved": t.candidate[0], "runs": t.candidate[1]},
                        "flaky": t.flaky,
                        "no_signal": t.no_signal,
                        "contamination_risk": list(t.contaminated),
                        "source_date": t.source_date.isoformat() if t.source_date else None,
                    }
                    for t in h.tasks
                ],
                "gates_need": {n.gate: {str(e): k for e, k in n.tasks.items()} for n in h.needs},
            }
            for h in slices
        ]
    }
