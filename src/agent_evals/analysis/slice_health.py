"""Slice health: which tasks carry signal about the lanes, and whether a slice has enough.

Per task, from the stored replay runs: the incumbent's pass rate across epochs (a task it
sometimes solves and sometimes fails is flaky: its outcome is chance, not the model, so the
gates leave it out unless asked); whether both lanes always or never solve it (no signal: it
cannot tell the lanes apart); whether it is older than a lane model's training cut-off
(contamination risk: the change may be in the model's training data, as found for public
benchmarks mined from open repositories, e.g. SWE-bench-Live, Zhang et al. 2025). Per slice:
how many usable tasks each gate needs for a decision (``analysis.planning``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import numpy as np

from agent_evals.analysis.planning import ReleasePlan
from agent_evals.analysis.table import INFRA_ERROR, MISSING, RESOLVED, RunTable
from agent_evals.records import RunRecord
from agent_evals.types import UNCOUNTED_STATUSES, Lane

NoSignal = Literal["always solved", "never solved"]
FLAKY_NOTE = "flaky tasks left out of the gates (--include-flaky keeps them)"


@dataclass(frozen=True)
class TaskHealth:
    """One task's record across epochs."""

    task_id: str
    slice: str
    incumbent: tuple[int, int]
    """(resolved, counted runs) of the incumbent."""
    candidate: tuple[int, int]
    flaky: bool
    no_signal: NoSignal | None
    contaminated: tuple[str, ...]
    """Lane models whose training cut-off the task predates."""
    source_date: datetime | None

    @property
    def usable(self) -> bool:
        """Whether the task tells the lanes apart: not flaky and not without signal."""
        return not self.flaky and self.no_signal is None


@dataclass(frozen=True)
class GateNeed:
    """Paired tasks a gate needs per epoch count, against the usable tasks a slice has."""

    gate: str
    threshold: str
    tasks: Mapping[int, int]


@dataclass(frozen=True)
class SliceHealth:
    """Every task of a slice, and what the gates need."""

    slice: str
    tasks: tuple[TaskHealth, ...]
    needs: tuple[GateNeed, ...]

    @property
    def usable(self) -> int:
        """Tasks that are neither flaky nor without signal."""
        return sum(t.usable for t in self.tasks)

    @property
    def epochs(self) -> int:
        """The most incumbent epochs any task has."""
        return max((t.incumbent[1] for t in self.tasks), default=0)


@dataclass(frozen=True)
class TaskDates:
    """What a task's folder says about it: its slice and the date of its source change."""

    slice: str
    source_date: datetime | None


def slice_health(
    runs: Iterable[RunRecord],
    tasks: Mapping[str, TaskDates],
    cutoffs: Mapping[str, date],
    plan: ReleasePlan,
) -> list[SliceHealth]:
    """Health of every slice with runs or tasks; ``cutoffs`` maps model ids to cut-off dates."""
    counts: dict[tuple[str, str], dict[Lane, list[int]]] = defaultdict(_empty)
    models: dict[Lane, set[str]] = {"incumbent": set(), "candidate": set()}
    for run in runs:
        if run.status in UNCOUNTED_STATUSES:
            continue
        lane = counts[run.slice, run.task_id][run.lane]
        lane[0] += run.status == "resolved"
        lane[1] += 1
        models[run.lane].add(run.model)
    for task_id, known in tasks.items():  # a task without runs is shown too
        counts.setdefault((known.slice, task_id), _empty())
    by_slice: dict[str, list[TaskHealth]] = defaultdict(list)
    lane_cutoffs = {m: cutoffs[m] for lane in models.values() for m in lane if m in cutoffs}
    for (slice_name, task_id), tally in sorted(counts.items()):
        dates = tasks.get(task_id)
        when = dates.source_date if dates else None
        by_slice[slice_name].append(_task(task_id, slice_name, tally, when, lane_cutoffs))
    needs = tuple(GateNeed(g.gate, g.threshold, g.replay_tasks) for g in plan.gates)
    return [SliceHealth(name, tuple(found), needs) for name, found in by_slice.items()]


def _empty() -> dict[Lane, list[int]]:
    return {"incumbent": [0, 0], "candidate": [0, 0]}


def _task(
    task_id: str,
    slice_name: str,
    tally: Mapping[Lane, list[int]],
    when: datetime | None,
    cutoffs: Mapping[str, date],
) -> TaskHealth:
    inc, cand = tally["incumbent"], tally["candidate"]
    flaky = inc[1] >= 2 and 0 < inc[0] < inc[1]
    no_signal: NoSignal | None = None
    if inc[1] and cand[1]:
        if inc[0] == inc[1] and cand[0] == cand[1]:
            no_signal = "always solved"
        elif inc[0] == 0 and cand[0] == 0:
            no_signal = "never solved"
    contaminated = tuple(
        sorted(m for m, cutoff in cutoffs.items() if when is not None and when.date() <= cutoff)
    )
    return TaskHealth(
        task_id,
        slice_name,
        (inc[0], inc[1]),
        (cand[0], cand[1]),
        flaky,
        no_signal,
        contaminated,
        when,
    )


def flaky_keys(table: RunTable) -> np.ndarray:
    """Keys of the tasks whose incumbent runs both pass and fail across epochs."""
    counted = ~table.candidate & np.isin(table.status, (INFRA_ERROR, MISSING), invert=True)
    keys, inverse = np.unique(table.task[counted], return_inverse=True)
    runs = np.bincount(inverse, minlength=len(keys))
    solved = np.bincount(inverse, weights=table.status[counted] == RESOLVED, minlength=len(keys))
    flaky: np.ndarray = keys[(runs >= 2) & (solved > 0) & (solved < runs)]
    return flaky


def without_flaky(table: RunTable) -> tuple[RunTable, int]:
    """The table without its flaky tasks' runs (both lanes), and how many tasks went."""
    keys = flaky_keys(table)
    if not len(keys):
        return table, 0
    return table.take(~np.isin(table.task, keys)), len(keys)
