"""How the paired evidence for each gate grew as tasks accumulated (evidence mode)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent_evals.analysis.scorecard import scorecard_from_table
from agent_evals.analysis.table import run_table_from_records
from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.types import BoundSide

# Gates whose interval is traced, and which side of the threshold is allowed.
TRACED: dict[str, BoundSide] = {"success": "lower", "tokens": "upper", "review": "upper"}
# Prefixes evaluated: enough points for a smooth line, few enough to render in well under a
# second (each point re-runs the seeded paired statistics).
MAX_STEPS = 24
MIN_TASKS = 2


@dataclass(frozen=True)
class TracePoint:
    """The overall interval of one gate after the first ``tasks`` paired tasks."""

    tasks: int
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class GateTrace:
    """One gate's running estimate against its threshold."""

    gate: str
    threshold: float
    side: BoundSide
    points: tuple[TracePoint, ...]


def evidence_traces(
    runs: Sequence[RunRecord],
    paired: Sequence[tuple[str, str]],
    config: ReleaseConfig,
    release: str,
) -> tuple[GateTrace, ...]:
    """Re-decide on growing prefixes of the paired (slice, task) keys, in the order given."""
    by_task: dict[tuple[str, str], list[RunRecord]] = {}
    for run in runs:
        by_task.setdefault((run.slice, run.task_id), []).append(run)
    collected: dict[str, list[TracePoint]] = {name: [] for name in TRACED}
    thresholds: dict[str, float] = {}
    for size in _steps(len(paired)):
        prefix = [r for key in paired[:size] for r in by_task[key]]
        card = scorecard_from_table(release, run_table_from_records(prefix), config, evidence=True)
        for result in card.overall.decision.gates:
            if result.name in TRACED and result.interval and result.threshold is not None:
                i = result.interval
                collected[result.name].append(TracePoint(size, i.estimate, i.low, i.high))
                thresholds[result.name] = result.threshold
    return tuple(
        GateTrace(name, thresholds[name], side, tuple(collected[name]))
        for name, side in TRACED.items()
        if collected[name]
    )


def _steps(total: int) -> list[int]:
    if total < MIN_TASKS:
        return []
    count = min(MAX_STEPS, total - MIN_TASKS + 1)
    span = total - MIN_TASKS
    return sorted({MIN_TASKS + round(span * i / max(count - 1, 1)) for i in range(count)})
